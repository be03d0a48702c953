// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the mesh routing wire parser, route_msg_decode().
 *
 * Whatever decodes must encode again within XM_MSG_BODY_MAX and decode to
 * the same structure (the parser accepts nothing the encoder cannot say).
 *
 * Links: userspace/xmeshd/route_msg.c, the generated route.pb-c.c;
 * -lprotobuf-c.
 */
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "route_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct route_msg m, again;
	uint8_t buf[XM_MSG_BODY_MAX];
	int len;

	if (route_msg_decode(&m, data, size))
		return 0;
	len = route_msg_encode(&m, buf, sizeof(buf));
	if (len < 0 || route_msg_decode(&again, buf, (size_t)len) || memcmp(&m, &again, sizeof(m)))
		abort();
	return 0;
}
