/*
 * Lists the visible top-level windows as Windows sees them, for the Windows smoke test
 * (scripts/windows-smoke.sh): one line each, "title<TAB>owner's title<TAB>enabled" (UTF-8;
 * the owner's title empty for an unowned window, enabled 1 or 0). The test reads it to check
 * that the app's system file dialog is owned by the app's window, which it disables while the
 * dialog is open, as a Windows program's dialogs do.
 *
 * Built with mingw: x86_64-w64-mingw32-gcc -o list-windows.exe list-windows.c
 */
#include <stdio.h>
#include <windows.h>

static void print_title(HWND window) {
    WCHAR title[512];
    char utf8[2048];
    int n = window ? GetWindowTextW(window, title, 512) : 0;
    title[n] = 0;
    WideCharToMultiByte(CP_UTF8, 0, title, -1, utf8, sizeof utf8, NULL, NULL);
    fputs(utf8, stdout);
}

static BOOL CALLBACK each(HWND window, LPARAM unused) {
    (void)unused;
    if (!IsWindowVisible(window))
        return TRUE;
    print_title(window);
    putchar('\t');
    print_title(GetWindow(window, GW_OWNER));
    printf("\t%d\n", IsWindowEnabled(window) ? 1 : 0);
    return TRUE;
}

int main(void) {
    EnumWindows(each, 0);
    return 0;
}
