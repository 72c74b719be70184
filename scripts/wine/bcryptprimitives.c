/*
 * Test tooling for running rstscope under wine; never shipped.
 *
 * Rust's standard library (1.95) takes random numbers from ProcessPrng in
 * bcryptprimitives.dll, which every supported Windows has but Debian 12's wine 8 does not
 * export. This stand-in, loaded by the smoke test (scripts/windows-smoke.sh) in its own wine
 * prefix, answers from RtlGenRandom (advapi32's SystemFunction036) instead.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
