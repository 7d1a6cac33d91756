/* A stand-in for Windows' bcryptprimitives.dll, for running Callpop's Windows builds under Wine 8
 * only (scripts/wine.sh puts it in the Wine prefix; it is never shipped). Rust's standard library
 * gets its random bytes from ProcessPrng, which Windows 10+ exports from bcryptprimitives.dll
 * and Wine 8 does not have; RtlGenRandom (advapi32's SystemFunction036) gives the same. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
