// CRC-32C for record batch v2.
//
// Two paths share one set of tables, built once under pthread_once:
//  * portable: slicing-by-8 (eight 256-entry tables, eight bytes per step);
//  * x86-64 with SSE4.2: the crc32 instruction. One dependent chain is bound by the
//    instruction's 3-cycle latency, so large buffers are cut into three equal
//    blocks whose CRCs run interleaved (throughput 1/cycle) and are then joined:
//    by linearity, crc(A || B) = shift(crc(A), |B|) ^ crc0(B), where shift appends
//    |B| zero bytes. The shift for each fixed block size is precomputed as four
//    byte-indexed tables of a GF(2) 32x32 matrix.
//
// Internally CRC values are "raw" (not inverted); the entry points invert on the
// way in and out, so callers chain results like zlib's crc32().

#include "CCRC32C.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BULWARK_CRC32C_X86 1
#include <nmmintrin.h>
#endif

// Castagnoli polynomial 0x1EDC6F41, bit-reflected.
#define POLY 0x82F63B78u

// Block sizes (bytes per chain) of the three-way interleaved loops. The long one
// amortises the shift for big buffers; the short one keeps small batches on the
// three-chain path. Longer blocks measured slower on 1 MiB buffers (the three
// streams drift far apart in the cache), so the long block stays at 2 KiB.
#define LONG_BLOCK 2048
#define SHORT_BLOCK 256

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static uint32_t slice_table[8][256];
static uint32_t long_shift[4][256];
static uint32_t short_shift[4][256];
static int hardware_available;

// MARK: GF(2) matrices: column n is the image of bit n.

static uint32_t gf2_times(const uint32_t *mat, uint32_t vec) {
    uint32_t sum = 0;
    while (vec) {
        if (vec & 1) sum ^= *mat;
        vec >>= 1;
        mat++;
    }
    return sum;
}

// result = a ∘ b (apply b, then a).
static void gf2_compose(uint32_t *result, const uint32_t *a, const uint32_t *b) {
    uint32_t tmp[32];
    for (int n = 0; n < 32; n++) tmp[n] = gf2_times(a, b[n]);
    memcpy(result, tmp, sizeof tmp);
}

// Fills table with the operator "append `length` zero bytes" to a raw CRC.
static void build_shift_table(uint32_t table[4][256], size_t length) {
    uint32_t base[32], result[32];
    // One zero bit: a right shift, folding the bit that falls off into POLY.
    base[0] = POLY;
    for (int n = 1; n < 32; n++) base[n] = 1u << (n - 1);
    for (int i = 0; i < 3; i++) gf2_compose(base, base, base);  // one zero byte
    for (int n = 0; n < 32; n++) result[n] = 1u << n;            // identity
    // Square-and-multiply: powers of one operator commute, so order is free.
    while (length) {
        if (length & 1) gf2_compose(result, base, result);
        length >>= 1;
        if (length) gf2_compose(base, base, base);
    }
    for (int k = 0; k < 4; k++)
        for (uint32_t b = 0; b < 256; b++) table[k][b] = gf2_times(result, b << (8 * k));
}

static inline uint32_t shift(const uint32_t table[4][256], uint32_t crc) {
    return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff]
        ^ table[3][crc >> 24];
}

static void init_tables(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        slice_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = slice_table[0][n];
        for (int k = 1; k < 8; k++) {
            c = slice_table[0][c & 0xff] ^ (c >> 8);
            slice_table[k][n] = c;
        }
    }
    build_shift_table(long_shift, LONG_BLOCK);
    build_shift_table(short_shift, SHORT_BLOCK);
#if BULWARK_CRC32C_X86
    __builtin_cpu_init();
    hardware_available = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

// MARK: Portable path

// Little-endian loads spelled byte by byte: endian-independent, and compilers fold
// them into a single load on little-endian hosts.
static inline uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32c_portable_raw(uint32_t crc, const uint8_t *p, size_t length) {
    while (length >= 8) {
        uint32_t lo = load_le32(p) ^ crc;
        uint32_t hi = load_le32(p + 4);
        crc = slice_table[7][lo & 0xff] ^ slice_table[6][(lo >> 8) & 0xff]
            ^ slice_table[5][(lo >> 16) & 0xff] ^ slice_table[4][lo >> 24]
            ^ slice_table[3][hi & 0xff] ^ slice_table[2][(hi >> 8) & 0xff]
            ^ slice_table[1][(hi >> 16) & 0xff] ^ slice_table[0][hi >> 24];
        p += 8;
        length -= 8;
    }
    while (length--) crc = slice_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

// MARK: SSE4.2 path

#if BULWARK_CRC32C_X86
static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

// Runs three chains over [p, p+3*block) and joins them; returns the raw CRC.
#define THREE_WAY(block, table)                                                   \
    while (length >= 3 * (size_t)(block)) {                                       \
        uint64_t c1 = 0, c2 = 0;                                                  \
        const uint8_t *end = p + (block);                                         \
        do {                                                                      \
            c0 = _mm_crc32_u64(c0, load64(p));                                    \
            c1 = _mm_crc32_u64(c1, load64(p + (block)));                          \
            c2 = _mm_crc32_u64(c2, load64(p + 2 * (block)));                      \
            p += 8;                                                               \
        } while (p < end);                                                        \
        c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c1;                           \
        c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c2;                           \
        p += 2 * (block);                                                         \
        length -= 3 * (size_t)(block);                                            \
    }

__attribute__((target("sse4.2")))
static uint32_t crc32c_hardware_raw(uint32_t crc, const uint8_t *p, size_t length) {
    uint64_t c0 = crc;
    // Align so the 8-byte loads never straddle a cache line.
    while (length && ((uintptr_t)p & 7)) {
        c0 = _mm_crc32_u8((uint32_t)c0, *p++);
        length--;
    }
    THREE_WAY(LONG_BLOCK, long_shift)
    THREE_WAY(SHORT_BLOCK, short_shift)
    while (length >= 8) {
        c0 = _mm_crc32_u64(c0, load64(p));
        p += 8;
        length -= 8;
    }
    while (length--) c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    return (uint32_t)c0;
}
#endif

// MARK: Entry points

uint32_t bulwark_crc32c(uint32_t crc, const uint8_t *data, size_t length) {
    pthread_once(&tables_once, init_tables);
#if BULWARK_CRC32C_X86
    if (hardware_available) return ~crc32c_hardware_raw(~crc, data, length);
#endif
    return ~crc32c_portable_raw(~crc, data, length);
}

uint32_t bulwark_crc32c_portable(uint32_t crc, const uint8_t *data, size_t length) {
    pthread_once(&tables_once, init_tables);
    return ~crc32c_portable_raw(~crc, data, length);
}

int bulwark_crc32c_hardware_available(void) {
    pthread_once(&tables_once, init_tables);
    return hardware_available;
}
