/*
 * A wpcap.dll that cannot capture, for the Windows smoke test (scripts/windows-smoke.sh): it
 * exports pcap_lib_version and a few functions only, as a stripped or very old copy of the
 * DLL might. rstscope must refuse to capture with it, naming this DLL, its version and what
 * it lacks, and exit with code 2; listing interfaces needs only what it has, and works.
 *
 * Its pcap_create hands out a dummy handle, so that with the export check skipped
 * (RSTSCOPE_TEST_SKIP_WPCAP_CHECK) rstscope goes on to call a function this DLL lacks: the
 * delay-load failure must then end in the same kind of message and exit code 2, not a crash.
 *
 * As Npcap 1.0 and later, it gives its adapter's description in UTF-8 once pcap_init was asked
 * for UTF-8 (PCAP_CHAR_ENC_UTF_8), and in the ANSI code page (here Windows-1252) otherwise: the
 * description has an "ö", which `rstscope interfaces` must print as it is.
 *
 * Built with mingw: x86_64-w64-mingw32-gcc -shared -o wpcap.dll fake-wpcap.c
 */
#include <stdlib.h>
#include <string.h>

#define EXPORT __declspec(dllexport)
#define PCAP_ERRBUF_SIZE 256

struct pcap_if {
    struct pcap_if *next;
    char *name;
    char *description;
    void *addresses;
    unsigned int flags;
};

static char dummy_handle[64];
static int utf_8;

EXPORT const char *pcap_lib_version(void)
{
    return "fake wpcap 0.1 (pcap_lib_version, pcap_init, pcap_findalldevs, pcap_freealldevs, pcap_create, pcap_close only)";
}

EXPORT int pcap_init(unsigned int opts, char *errbuf)
{
    (void)errbuf;
    utf_8 = opts == 1 /* PCAP_CHAR_ENC_UTF_8 */;
    return 0;
}

EXPORT int pcap_findalldevs(struct pcap_if **all, char *errbuf)
{
    struct pcap_if *dev = calloc(1, sizeof *dev);
    (void)errbuf;
    if (!dev)
        return -1;
    dev->name = _strdup("\\Device\\NPF_{FAKE0000-0000-0000-0000-000000000000}");
    dev->description = _strdup(utf_8 ? "Fake adapter of the rstscope smoke test (J\xc3\xb6rg)"
                                     : "Fake adapter of the rstscope smoke test (J\xf6rg)");
    dev->flags = 0x1 /* loopback */ | 0x2 /* up */ | 0x4 /* running */;
    *all = dev;
    return 0;
}

EXPORT void pcap_freealldevs(struct pcap_if *all)
{
    while (all) {
        struct pcap_if *next = all->next;
        free(all->name);
        free(all->description);
        free(all);
        all = next;
    }
}

EXPORT void *pcap_create(const char *source, char *errbuf)
{
    (void)source;
    (void)errbuf;
    return dummy_handle;
}

EXPORT void pcap_close(void *handle)
{
    (void)handle;
}
