// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * Reference programs for tools/bench/bpf, never attached in production:
 * the floor the relay is timed against, a packet generator's program, and
 * the sink that counts what arrives at the far end of a transit path.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xm_sink_packets SEC(".maps");

/* The least an XDP program that sends a packet back can do. */
SEC("xdp")
int xmesh_xdp_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	return XDP_TX;
}

/* The head of the generator's frames, written by userspace (.bss). */
#define XM_GEN_HEAD 128
__u8 gen_head[XM_GEN_HEAD];

/*
 * Live-frame generator: test-run pages are recycled with whatever the
 * receiving relay wrote into them, so every frame gets its head back.
 */
SEC("xdp")
int xmesh_xdp_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + XM_GEN_HEAD > data_end)
		return XDP_DROP;
	__builtin_memcpy(data, gen_head, XM_GEN_HEAD);
	return XDP_TX;
}

/* Gives a veth a NAPI context, so frames sent into it are received. */
SEC("xdp")
int xmesh_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xmesh_xdp_sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&xm_sink_packets, &zero);

	if (n)
		(*n)++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
