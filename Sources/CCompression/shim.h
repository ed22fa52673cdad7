#ifndef BULWARK_CCOMPRESSION_SHIM_H
#define BULWARK_CCOMPRESSION_SHIM_H

// The system compression libraries Kafka batches use: gzip (zlib), snappy, lz4
// (frame format) and zstd. Swift cannot call C function-like macros, so zlib's
// init macros get static inline wrappers here.

#include <zlib.h>
#include <snappy-c.h>
#include <lz4.h>
#include <lz4frame.h>
#include <zstd.h>

/// deflateInit2 writing a gzip header and trailer (windowBits 15 + 16).
static inline int bulwark_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 accepting only gzip-wrapped deflate (windowBits 15 + 16).
static inline int bulwark_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
