/* SPDX-License-Identifier: GPL-2.0 */
/* kddm_model shim: everything is in kcompat.h. */
#include "../kcompat.h"
