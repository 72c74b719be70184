/*
 * Starts a program as cmd starts it from its prompt, for the Windows smoke test
 * (scripts/windows-smoke.sh): in this program's console, which it inherits, without waiting
 * for it (an interactive cmd does not wait for a GUI-subsystem program: its prompt comes back
 * at once). Once the program has a window, says which processes the console has
 * (GetConsoleProcessList) and presses Ctrl+C in it, as a user does to stop the next command
 * typed there (GenerateConsoleCtrlEvent to every process attached to the console; this one
 * ignores it). Exits 0 when the program is not attached to the console and still runs 3 s
 * later (it is then ended), 1 when it is attached or Ctrl+C ended it, 2 when it made no
 * window within 60 s, 12x when a Windows call failed. Says what it saw on standard output.
 *
 * usage: console-start.exe PROGRAM [ARGUMENTS...]
 * Built with mingw: x86_64-w64-mingw32-gcc -o console-start.exe console-start.c
 */
#include <stdio.h>
#include <windows.h>

/* The command line after its first argument (this program's own name, quoted or not). */
static WCHAR *after_first_argument(WCHAR *line) {
    while (*line == L' ' || *line == L'\t') line++;
    int quoted = 0;
    while (*line && (quoted || (*line != L' ' && *line != L'\t'))) {
        if (*line == L'"') quoted = !quoted;
        line++;
    }
    while (*line == L' ' || *line == L'\t') line++;
    return line;
}

struct search {
    DWORD pid;
    BOOL found;
};

static BOOL CALLBACK is_its_window(HWND window, LPARAM param) {
    struct search *s = (struct search *)param;
    DWORD pid = 0;
    GetWindowThreadProcessId(window, &pid);
    if (pid == s->pid && IsWindowVisible(window)) {
        s->found = TRUE;
        return FALSE;
    }
    return TRUE;
}

int main(void) {
    /* A console of its own, as cmd's window is. */
    FreeConsole();
    if (!AllocConsole()) return 124;
    if (!SetConsoleCtrlHandler(NULL, TRUE)) return 123;
    STARTUPINFOW start = {sizeof start};
    PROCESS_INFORMATION child;
    WCHAR *command = after_first_argument(GetCommandLineW());
    if (!CreateProcessW(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &start, &child)) return 122;
    struct search s = {child.dwProcessId, FALSE};
    for (int i = 0; i < 120 && !s.found; i++) {
        if (WaitForSingleObject(child.hProcess, 500) == WAIT_OBJECT_0) {
            printf("the program ended before it made a window\n");
            return 2;
        }
        EnumWindows(is_its_window, (LPARAM)&s);
    }
    if (!s.found) {
        printf("the program made no window within 60 s\n");
        TerminateProcess(child.hProcess, 1);
        return 2;
    }
    /* Past the start: the window is up and the program has done what it does with the console. */
    Sleep(2000);
    DWORD pids[64];
    DWORD n = GetConsoleProcessList(pids, 64);
    BOOL attached = FALSE;
    for (DWORD i = 0; i < n && i < 64; i++) attached |= pids[i] == child.dwProcessId;
    printf("the console's processes: %lu, the program %s\n", (unsigned long)n,
           attached ? "among them" : "not among them");
    if (!GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)) return 121;
    if (WaitForSingleObject(child.hProcess, 3000) == WAIT_OBJECT_0) {
        DWORD code = 0;
        GetExitCodeProcess(child.hProcess, &code);
        printf("Ctrl+C in the console ended the program (exit code %lu)\n", (unsigned long)code);
        return 1;
    }
    printf("Ctrl+C in the console left the program running\n");
    TerminateProcess(child.hProcess, 0);
    return attached ? 1 : 0;
}
