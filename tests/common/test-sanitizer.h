/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whether this test program was built with AddressSanitizer.  CI's second
 * stage (.ci/run) runs the unit suite built so, with LeakSanitizer taking a
 * full stack on every allocation: 20 to 50 times slower than native.  A
 * property test there runs a smaller sample of the same checks (what the
 * sanitizer adds is memory safety on the same code paths); the native
 * stage, CI's first, runs the full sample.  Header only: any test includes
 * it as "tests/common/test-sanitizer.h".
 */
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_SANITIZER 1
#endif
#endif
#ifndef TEST_UNDER_SANITIZER
#define TEST_UNDER_SANITIZER 0
#endif

/* @full natively, @sanitized under AddressSanitizer. */
#define TEST_SAMPLE(full, sanitized) (TEST_UNDER_SANITIZER ? (sanitized) : (full))
