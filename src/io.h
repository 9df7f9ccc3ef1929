/* io.h - whole-file reads, a bounded line reader, atomic writes, CRC-32. */
#ifndef SLANT_IO_H
#define SLANT_IO_H

#include "core.h"

/* Read a whole regular file (or stdin for "-") up to 'max' bytes. */
int slantp_read_file(const char *path, size_t max, slantp_buf *out, slant_error *err);

/* Map a whole regular file read-only (up to 'max' bytes). An empty file
 * gives a non-NULL pointer to zero bytes. Unmap with slantp_unmap_file. */
int slantp_map_file(const char *path, size_t max, const char **p, size_t *n, slant_error *err);
void slantp_unmap_file(const char *p, size_t n);

/* Bounded line reader over a FILE*: lines end with '\n' (kept out of the
 * result, a '\r' before it dropped); a line over 'max' bytes is an error.
 * gzip data (a file or stdin) is inflated on the fly; 'offset' is the byte
 * offset of the last line returned (or refused), in the inflated stream. */
typedef struct slantp_lines {
    FILE *f;
    const char *name;
    char *buf;
    size_t cap, start, end;
    long lineno;
    int eof;
    int skipping;       /* inside an over-long line being dropped */
    size_t max;
    long long base, offset;   /* uncompressed stream offsets of buf[0], of the last line */
    int gzip;           /* the file is gzip data, read inflated */
} slantp_lines;
int slantp_lines_open(slantp_lines *lr, const char *path, size_t max, slant_error *err);
/* 1 with *line and *len set, 0 at end of file, -1 on error. An over-long
 * line is an SLANT_EFORMAT error; the next call goes on after it. */
int slantp_lines_next(slantp_lines *lr, const char **line, size_t *len, slant_error *err);
void slantp_lines_close(slantp_lines *lr);

/* Write 'n' bytes to 'path' atomically (temp file, fsync, rename, fsync dir). */
int slantp_write_atomic(const char *path, const void *p, size_t n, slant_error *err);

uint32_t slantp_crc32(const void *p, size_t n);

#endif
