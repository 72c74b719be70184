/*
 * Runs a program as PowerShell runs a native command, for the Windows smoke test
 * (scripts/windows-smoke.sh): in a console whose output code page is the one given (437, the
 * US console's), with its standard output a pipe, and writes the bytes read from the pipe,
 * unchanged, to this program's standard output; exits with the program's exit code. With
 * `2>&1` (one argument) its standard error goes to the same pipe, as PowerShell's `2>&1` and
 * `2> file` read it; otherwise to this program's standard error.
 *
 * usage: pipe-output.exe CODEPAGE [2>&1] PROGRAM [ARGUMENTS...]
 * Built with mingw: x86_64-w64-mingw32-gcc -o pipe-output.exe pipe-output.c
 */
#include <stdlib.h>
#include <string.h>
#include <windows.h>

/* The command line after its first `skip` arguments (quoted ones included). */
static WCHAR *after_arguments(WCHAR *line, int skip) {
    for (int i = 0; i < skip; i++) {
        while (*line == L' ' || *line == L'\t') line++;
        int quoted = 0;
        while (*line && (quoted || (*line != L' ' && *line != L'\t'))) {
            if (*line == L'"') quoted = !quoted;
            line++;
        }
    }
    while (*line == L' ' || *line == L'\t') line++;
    return line;
}

int main(int argc, char **argv) {
    if (argc < 3) return 125;
    int both = strcmp(argv[2], "2>&1") == 0;
    if (both && argc < 4) return 125;
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    FreeConsole();
    if (!AllocConsole() || !SetConsoleOutputCP((UINT)atoi(argv[1]))) return 124;
    SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
    HANDLE read_end, write_end;
    if (!CreatePipe(&read_end, &write_end, &inherit, 0)) return 123;
    SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOW start = {sizeof start};
    start.dwFlags = STARTF_USESTDHANDLES;
    start.hStdOutput = write_end;
    start.hStdError = both ? write_end : err;
    start.hStdInput = NULL;
    PROCESS_INFORMATION child;
    WCHAR *command = after_arguments(GetCommandLineW(), both ? 3 : 2);
    if (!CreateProcessW(NULL, command, NULL, NULL, TRUE, 0, NULL, NULL, &start, &child)) return 122;
    CloseHandle(write_end);
    char buf[4096];
    DWORD n, written;
    while (ReadFile(read_end, buf, sizeof buf, &n, NULL) && n > 0) WriteFile(out, buf, n, &written, NULL);
    WaitForSingleObject(child.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(child.hProcess, &code);
    return (int)code;
}
