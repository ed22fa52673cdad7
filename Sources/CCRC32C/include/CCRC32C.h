#ifndef BULWARK_CCRC32C_H
#define BULWARK_CCRC32C_H

// CRC-32C (Castagnoli), the checksum of Kafka record batch v2.
//
// `crc` is the value returned for the bytes before `data` (0 to start), so a
// checksum can be computed piecewise: pre- and post-inversion are done inside,
// like zlib's crc32(). bulwark_crc32c(0, "123456789", 9) == 0xE3069283.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CRC-32C using SSE4.2 when the CPU has it, the portable tables otherwise.
uint32_t bulwark_crc32c(uint32_t crc, const uint8_t *data, size_t length);

/// CRC-32C using only the portable slicing-by-8 tables (tests compare both paths).
uint32_t bulwark_crc32c_portable(uint32_t crc, const uint8_t *data, size_t length);

/// 1 if bulwark_crc32c uses hardware instructions on this CPU, 0 otherwise.
int bulwark_crc32c_hardware_available(void);

#ifdef __cplusplus
}
#endif

#endif
