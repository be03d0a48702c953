// SPDX-License-Identifier: GPL-2.0
#include "identity.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file holds the 32-byte Ed25519 seed as one line of hex. */
#define KEY_HEX_LEN (2 * crypto_sign_SEEDBYTES)

int identity_from_seed(struct identity *id, const uint8_t seed[crypto_sign_SEEDBYTES])
{
	if (crypto_sign_seed_keypair(id->pk, id->sk, seed))
		return -1;
	xm_node_id_from_pubkey(&id->id, id->pk);
	if (crypto_sign_ed25519_pk_to_curve25519(id->x_pk, id->pk) ||
	    crypto_sign_ed25519_sk_to_curve25519(id->x_sk, id->sk))
		return -1;
	return 0;
}

unsigned long identity_generate(struct identity *id, unsigned int puzzle_bits,
				identity_rand_fn rnd, void *ctx)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	unsigned long tries = 0;

	do {
		rnd(ctx, seed, sizeof(seed));
		tries++;
	} while (identity_from_seed(id, seed) || !xm_node_id_puzzle_ok(&id->id, puzzle_bits));
	sodium_memzero(seed, sizeof(seed));
	return tries;
}

void identity_wipe(struct identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

static void sodium_rand(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static int load(struct identity *id, const char *path, int fd)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	char hex[KEY_HEX_LEN + 2];
	struct stat st;
	ssize_t n;
	int err = -1;

	if (fstat(fd, &st) < 0) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		log_err("%s: mode %03o lets others read the identity key; refusing to start "
			"(chmod 600 it)", path, (unsigned int)(st.st_mode & 0777));
		return -1;
	}
	if (st.st_uid != geteuid()) {
		log_err("%s: owned by uid %u, not by us; refusing to start", path,
			(unsigned int)st.st_uid);
		return -1;
	}
	n = read(fd, hex, sizeof(hex));
	if (n < KEY_HEX_LEN || (n > KEY_HEX_LEN && hex[KEY_HEX_LEN] != '\n') ||
	    sodium_hex2bin(seed, sizeof(seed), hex, KEY_HEX_LEN, NULL, NULL, NULL) ||
	    identity_from_seed(id, seed)) {
		log_err("%s: not an xmesh identity key", path);
		goto out;
	}
	err = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(hex, sizeof(hex));
	return err;
}

static int create(struct identity *id, const char *dir, const char *path, unsigned int bits)
{
	char tmp[PATH_MAX], hex[KEY_HEX_LEN + 2];
	unsigned long tries;
	int fd, err = -1;

	tries = identity_generate(id, bits, sodium_rand, NULL);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, IDENTITY_FILE);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("%s: %s", tmp, strerror(errno));
		return -1;
	}
	/* The seed is the first half of libsodium's secret key. */
	sodium_bin2hex(hex, sizeof(hex), id->sk, crypto_sign_SEEDBYTES);
	hex[KEY_HEX_LEN] = '\n';
	/* Written whole and synced before it replaces anything: never a half key. */
	if (write(fd, hex, KEY_HEX_LEN + 1) != KEY_HEX_LEN + 1 || fsync(fd) < 0) {
		log_err("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		log_err("%s: %s", path, strerror(errno));
		goto out;
	}
	log_info("made a new identity key in %s (%lu key pairs for a %u-bit puzzle)", path, tries,
		 bits);
	err = 0;
out:
	sodium_memzero(hex, sizeof(hex));
	close(fd);
	if (err)
		unlink(tmp);
	return err;
}

int identity_load_or_create(struct identity *id, const char *state_dir, unsigned int puzzle_bits)
{
	char path[PATH_MAX];
	int fd, err;

	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		log_err("%s: %s", state_dir, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, IDENTITY_FILE) >=
	    sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return create(id, state_dir, path, puzzle_bits);
	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	err = load(id, path, fd);
	close(fd);
	if (!err && !xm_node_id_puzzle_ok(&id->id, puzzle_bits)) {
		log_err("%s: the key's id has a %u-bit puzzle, %u are required", path,
			xm_node_id_puzzle_bits(&id->id), puzzle_bits);
		err = -1;
	}
	return err;
}

static int counter_path(char *path, size_t cap, const char *state_dir, const char *suffix)
{
	return (size_t)snprintf(path, cap, "%s/%s%s", state_dir, IDENTITY_COUNTER_FILE, suffix) >=
			       cap
		       ? -1
		       : 0;
}

int identity_counter_load(const char *state_dir, uint64_t *mark)
{
	char path[PATH_MAX], text[32], *end;
	unsigned long long v;
	ssize_t len;
	int fd;

	*mark = 0;
	if (counter_path(path, sizeof(path), state_dir, ""))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0) {
		log_err("%s: empty or unreadable", path);
		return -1;
	}
	text[len] = 0;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n')) {
		log_err("%s: not a counter", path);
		return -1;
	}
	*mark = v;
	return 0;
}

int identity_counter_store(const char *state_dir, uint64_t mark)
{
	char path[PATH_MAX], tmp[PATH_MAX], text[32];
	int fd, dfd, len, err = -1;

	if (counter_path(path, sizeof(path), state_dir, "") ||
	    counter_path(tmp, sizeof(tmp), state_dir, ".tmp"))
		return -1;
	len = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)mark);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_err("%s: %s", tmp, strerror(errno));
		return -1;
	}
	/* Synced, then renamed over the old mark, then the rename synced. */
	if (write(fd, text, (size_t)len) != len || fsync(fd) < 0 || rename(tmp, path) < 0) {
		log_err("%s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		err = fsync(dfd) < 0 ? -1 : 0;
		close(dfd);
	}
	if (err)
		log_err("%s: syncing the directory: %s", state_dir, strerror(errno));
	return err;
}
