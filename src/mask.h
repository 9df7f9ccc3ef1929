/* mask.h - blanking outlet names out of texts. */
#ifndef SLANT_MASK_H
#define SLANT_MASK_H

#include "core.h"

/* Overwrite with spaces every occurrence in text[0..len) of 'field_value'
 * (and its short forms: without a parenthesis, before " - ", without a
 * leading "The " leaving two words) and of names[0..nnames), as written
 * or in capitals, at word boundaries, longest first. Returns the number of occurrences blanked,
 * or (size_t)-1 when out of memory. */
size_t slantp_mask_names(char *text, size_t len, const char *field_value,
                         const char *const *names, size_t nnames);

#endif
