-- SPDX-License-Identifier: GPL-2.0
--
-- Wireshark dissector for xmesh (Lua, Wireshark 3.x/4.x):
--
--  * "xmesh": the data-plane header of include/uapi/linux/xmesh_wire.h
--    (Documentation/wire-format.md), UDP port 51830 by default: version,
--    type, hop limit, flags, reserved bytes, tenant id, destination node,
--    receiver index, counter, then the ciphertext and the Poly1305 tag;
--  * "xmesh_ctl": xmeshd's control protocol, UDP port 51831 by default
--    (Documentation/xmeshd.md): a type byte, then for type 1 the protobuf
--    Envelope of userspace/proto/envelope.proto (version, kind, sender key,
--    counter, timestamp, body, signature, recipient id) followed by mac1 and
--    mac2 (16 bytes each), with, inside its body, the message of its kind:
--    1 Handshake (handshake.proto), 2 DhtMsg (dht.proto), 3 RoutePacket
--    (route.proto); for type 2 a cookie reply (24-byte nonce, the cookie
--    sealed with XChaCha20-Poly1305: 32 bytes).
--
-- Use: tshark -X lua_script:xmesh.lua ..., or copy it to
-- ~/.local/lib/wireshark/plugins/. The ports are preferences of the two
-- protocols (xmesh.port, xmesh_ctl.port). Filter fields: xmesh.* and
-- xmesh_ctl.* (e.g. xmesh.tenant_id == 7, xmesh_ctl.kind == 1,
-- xmesh_ctl.handshake.init.sender_index).

local DATA_PORT = 51830
local CTL_PORT = 51831

-- Data plane ---------------------------------------------------------------

local xm = Proto("xmesh", "xmesh data plane")
local types = { [1] = "data", [2] = "keepalive" }
local f = {
	version = ProtoField.uint8("xmesh.version", "Version", base.DEC, nil, 0xf0),
	type = ProtoField.uint8("xmesh.type", "Type", base.DEC, types, 0x0f),
	hop_limit = ProtoField.uint8("xmesh.hop_limit", "Hop limit", base.DEC),
	flags = ProtoField.uint8("xmesh.flags", "Flags", base.HEX),
	reserved0 = ProtoField.uint8("xmesh.reserved0", "Reserved", base.HEX),
	tenant_id = ProtoField.uint32("xmesh.tenant_id", "Tenant id", base.DEC),
	dst_node = ProtoField.uint64("xmesh.dst_node", "Destination node", base.HEX),
	rx_index = ProtoField.uint32("xmesh.rx_index", "Receiver index", base.DEC),
	reserved1 = ProtoField.uint32("xmesh.reserved1", "Reserved", base.HEX),
	counter = ProtoField.uint64("xmesh.counter", "Counter", base.DEC),
	ciphertext = ProtoField.bytes("xmesh.ciphertext", "Ciphertext"),
	tag = ProtoField.bytes("xmesh.tag", "Poly1305 tag"),
}
xm.fields = f
xm.prefs.port = Pref.uint("UDP port", DATA_PORT, "UDP port of the xmesh data plane")

local HDR_LEN, TAG_LEN = 32, 16

function xm.dissector(tvb, pinfo, tree)
	if tvb:len() < HDR_LEN then
		return 0
	end
	pinfo.cols.protocol = "xmesh"
	local t = tree:add(xm, tvb(0, HDR_LEN), "xmesh data plane")
	local vt = tvb(0, 1):uint()
	t:add(f.version, tvb(0, 1))
	t:add(f.type, tvb(0, 1))
	t:add(f.hop_limit, tvb(1, 1))
	t:add(f.flags, tvb(2, 1))
	t:add(f.reserved0, tvb(3, 1))
	t:add(f.tenant_id, tvb(4, 4))
	t:add(f.dst_node, tvb(8, 8))
	t:add(f.rx_index, tvb(16, 4))
	t:add(f.reserved1, tvb(20, 4))
	t:add(f.counter, tvb(24, 8))
	local rest = tvb:len() - HDR_LEN
	if rest >= TAG_LEN then
		if rest > TAG_LEN then
			t:add(f.ciphertext, tvb(HDR_LEN, rest - TAG_LEN))
		end
		t:add(f.tag, tvb(tvb:len() - TAG_LEN, TAG_LEN))
	end
	pinfo.cols.info = string.format("%s v%d tenant %d dst 0x%s index %d counter %s",
		types[vt % 16] or ("type " .. vt % 16), math.floor(vt / 16), tvb(4, 4):uint(),
		tvb(8, 8):bytes():tohex(), tvb(16, 4):uint(), tvb(24, 8):uint64():tonumber())
	return tvb:len()
end

-- Control plane: protobuf ----------------------------------------------------

local ctl = Proto("xmesh_ctl", "xmesh control protocol")
ctl.prefs.port = Pref.uint("UDP port", CTL_PORT, "UDP port of xmeshd's control protocol")
local kinds = { [1] = "handshake", [2] = "dht", [3] = "route" }

-- The messages, as in userspace/proto/*.proto: field number -> name, type
-- (a scalar or the name of a nested message).
local schema = {
	Envelope = { { 1, "version", "uint32" }, { 2, "kind", "uint32" },
		{ 3, "sender_pk", "bytes" }, { 4, "counter", "uint64" },
		{ 5, "timestamp_ms", "uint64" }, { 6, "body", "bytes" },
		{ 7, "signature", "bytes" }, { 8, "recipient_id", "bytes" } },
	OverlayPrefix = { { 1, "address", "bytes" }, { 2, "length", "uint32" } },
	HandshakeInit = { { 1, "ephemeral", "bytes" }, { 2, "sender_index", "uint32" },
		{ 3, "responder_id", "bytes" }, { 4, "data_port", "uint32" },
		{ 5, "prefixes", "OverlayPrefix" } },
	HandshakeResponse = { { 1, "ephemeral", "bytes" }, { 2, "sender_index", "uint32" },
		{ 3, "receiver_index", "uint32" }, { 4, "init_hash", "bytes" },
		{ 5, "data_port", "uint32" }, { 6, "prefixes", "OverlayPrefix" } },
	Handshake = { { 1, "init", "HandshakeInit" }, { 2, "response", "HandshakeResponse" } },
	DhtContact = { { 1, "id", "bytes" }, { 2, "ip", "bytes" }, { 3, "port", "uint32" } },
	DhtEndpoint = { { 1, "ip", "bytes" }, { 2, "port", "uint32" } },
	DhtRecord = { { 1, "name", "string" }, { 2, "owner_pk", "bytes" },
		{ 3, "endpoints", "DhtEndpoint" }, { 4, "private", "bool" },
		{ 5, "metadata", "bytes" }, { 6, "issued_ms", "uint64" },
		{ 7, "expires_ms", "uint64" }, { 8, "sig", "bytes" } },
	DhtPing = {},
	DhtPong = {},
	DhtFindNode = { { 1, "target", "bytes" } },
	DhtNodes = { { 1, "contacts", "DhtContact" } },
	DhtFindValue = { { 1, "key", "bytes" }, { 2, "offset", "uint32" } },
	DhtValue = { { 1, "records", "DhtRecord" }, { 2, "next_offset", "uint32" },
		{ 3, "contacts", "DhtContact" } },
	DhtStore = { { 1, "record", "DhtRecord" } },
	DhtStoreAck = { { 1, "error", "int32" } },
	DhtMsg = { { 1, "version", "uint32" }, { 2, "txid", "uint64" },
		{ 3, "ping", "DhtPing" }, { 4, "pong", "DhtPong" },
		{ 5, "find_node", "DhtFindNode" }, { 6, "nodes", "DhtNodes" },
		{ 7, "find_value", "DhtFindValue" }, { 8, "value", "DhtValue" },
		{ 9, "store", "DhtStore" }, { 10, "store_ack", "DhtStoreAck" } },
	RouteHello = { { 1, "seqno", "uint32" }, { 2, "interval_ms", "uint32" },
		{ 3, "timestamp", "uint64" }, { 4, "instance", "uint64" } },
	RouteIhu = { { 1, "rxcost", "uint32" }, { 2, "interval_ms", "uint32" },
		{ 3, "echo_timestamp", "uint64" }, { 4, "held", "bool" } },
	RouteUpdate = { { 1, "origin_pk", "bytes" }, { 2, "seqno", "uint32" },
		{ 3, "metric", "uint32" }, { 4, "interval_ms", "uint32" },
		{ 5, "signature", "bytes" } },
	RouteRequest = { { 1, "origin", "bytes" }, { 2, "seqno", "uint32" },
		{ 3, "hop_count", "uint32" } },
	RoutePacket = { { 1, "version", "uint32" }, { 2, "hello", "RouteHello" },
		{ 3, "ihu", "RouteIhu" }, { 4, "updates", "RouteUpdate" },
		{ 5, "requests", "RouteRequest" } },
}
local body_of_kind = { [1] = "Handshake", [2] = "DhtMsg", [3] = "RoutePacket" }
-- Field prefixes under xmesh_ctl: the envelope's fields sit at the top.
local prefix_of = { Envelope = "", Handshake = "handshake", DhtMsg = "dht",
	RoutePacket = "route" }

-- One ProtoField per (message path, field): xmesh_ctl.handshake.init.sender_index.
local pfields, fields_by_path = {}, {}
local function make_fields(msg, path, depth)
	if depth > 4 then
		return
	end
	for _, d in ipairs(schema[msg]) do
		local num, name, ty = d[1], d[2], d[3]
		local abbr = "xmesh_ctl." .. (path ~= "" and path .. "." or "") .. name
		local pf
		if ty == "uint32" or ty == "int32" then
			pf = ProtoField.uint32(abbr, name, base.DEC,
				abbr == "xmesh_ctl.kind" and kinds or nil)
		elseif ty == "uint64" then
			pf = ProtoField.uint64(abbr, name, base.DEC)
		elseif ty == "bool" then
			pf = ProtoField.bool(abbr, name)
		elseif ty == "string" then
			pf = ProtoField.string(abbr, name)
		elseif ty == "bytes" then
			pf = ProtoField.bytes(abbr, name)
		else
			pf = ProtoField.none(abbr, name)
		end
		pfields[#pfields + 1] = pf
		fields_by_path[abbr] = pf
		if schema[ty] then
			make_fields(ty, (path ~= "" and path .. "." or "") .. name, depth + 1)
		end
	end
end
make_fields("Envelope", "", 0)
for _, m in pairs({ "Handshake", "DhtMsg", "RoutePacket" }) do
	make_fields(m, prefix_of[m], 0)
end
local f_malformed = ProtoField.string("xmesh_ctl.malformed", "Malformed")
local dgram_types = { [1] = "envelope", [2] = "cookie reply" }
local f_type = ProtoField.uint8("xmesh_ctl.type", "Datagram type", base.DEC, dgram_types)
local f_mac1 = ProtoField.bytes("xmesh_ctl.mac1", "mac1")
local f_mac2 = ProtoField.bytes("xmesh_ctl.mac2", "mac2")
local f_cookie_nonce = ProtoField.bytes("xmesh_ctl.cookie.nonce", "Nonce")
local f_cookie_sealed = ProtoField.bytes("xmesh_ctl.cookie.sealed", "Sealed cookie")
for _, pf in ipairs({ f_malformed, f_type, f_mac1, f_mac2, f_cookie_nonce, f_cookie_sealed }) do
	pfields[#pfields + 1] = pf
end
ctl.fields = pfields

-- A varint at off: its value (UInt64) and its length, or nil.
local function varint(tvb, off, limit)
	local v = UInt64(0)
	for i = 0, 9 do
		if off + i >= limit then
			return nil
		end
		local b = tvb(off + i, 1):uint()
		v = v:bor(UInt64(b % 128):lshift(7 * i))
		if b < 128 then
			return v, i + 1
		end
	end
	return nil
end

local function field_def(msg, num)
	for _, d in ipairs(schema[msg]) do
		if d[1] == num then
			return d
		end
	end
end

-- Walk the protobuf message msg in tvb(off, len), adding its fields under
-- tree; returns the values of its top-level scalar fields by name.
local dissect_msg
dissect_msg = function(tvb, off, len, tree, msg, path, depth)
	local vals, limit, p = {}, off + len, off
	while p < limit do
		local key, kl = varint(tvb, p, limit)
		if not key then
			tree:add(f_malformed, tvb(p, limit - p), "truncated field key")
			return vals
		end
		local num, wt = key:rshift(3):tonumber(), key:band(7):tonumber()
		local d = field_def(msg, num)
		local abbr = d and ("xmesh_ctl." .. (path ~= "" and path .. "." or "") .. d[2])
		local pf = abbr and fields_by_path[abbr]
		local start = p
		p = p + kl
		if wt == 0 then
			local v, vl = varint(tvb, p, limit)
			if not v then
				tree:add(f_malformed, tvb(start, limit - start), "truncated varint")
				return vals
			end
			if pf and d[3] == "uint64" then
				tree:add(pf, tvb(p, vl), v)
			elseif pf and d[3] == "bool" then
				tree:add(pf, tvb(p, vl), v:tonumber() ~= 0)
			elseif pf then
				tree:add(pf, tvb(p, vl), v:band(0xffffffff):tonumber())
			end
			if d then
				vals[d[2]] = v
			end
			p = p + vl
		elseif wt == 2 then
			local l, ll = varint(tvb, p, limit)
			if not l or p + ll + l:tonumber() > limit then
				tree:add(f_malformed, tvb(start, limit - start), "length beyond the message")
				return vals
			end
			l = l:tonumber()
			p = p + ll
			if pf and schema[d[3]] then
				local sub = tree:add(pf, tvb(p, l))
				if depth < 4 then
					dissect_msg(tvb, p, l, sub, d[3], abbr:sub(11), depth + 1)
				end
			elseif pf and l > 0 then
				tree:add(pf, tvb(p, l))
			elseif pf then
				tree:add(pf, tvb(start, kl + ll), ByteArray.new())
			end
			if d then
				vals[d[2]] = { off = p, len = l }
			end
			p = p + l
		elseif wt == 1 or wt == 5 then
			p = p + (wt == 1 and 8 or 4)
		else
			tree:add(f_malformed, tvb(start, limit - start), "wire type " .. wt)
			return vals
		end
	end
	return vals
end

-- The datagram: type byte, then an envelope and its two MACs, or a cookie reply.
local MAC_LEN, COOKIE_REPLY_LEN, COOKIE_NONCE_LEN = 16, 57, 24

function ctl.dissector(tvb, pinfo, tree)
	if tvb:len() == 0 then
		return 0
	end
	pinfo.cols.protocol = "xmesh_ctl"
	local t = tree:add(ctl, tvb(), "xmesh control protocol")
	local ty = tvb(0, 1):uint()
	t:add(f_type, tvb(0, 1))
	if ty == 2 and tvb:len() == COOKIE_REPLY_LEN then
		t:add(f_cookie_nonce, tvb(1, COOKIE_NONCE_LEN))
		t:add(f_cookie_sealed, tvb(1 + COOKIE_NONCE_LEN))
		pinfo.cols.info = "cookie reply"
		return tvb:len()
	end
	if ty ~= 1 or tvb:len() < 1 + 2 * MAC_LEN then
		t:add(f_malformed, tvb(), "datagram type " .. ty .. ", length " .. tvb:len())
		return tvb:len()
	end
	local env_len = tvb:len() - 1 - 2 * MAC_LEN
	local env = dissect_msg(tvb, 1, env_len, t, "Envelope", "", 0)
	t:add(f_mac1, tvb(1 + env_len, MAC_LEN))
	t:add(f_mac2, tvb(1 + env_len + MAC_LEN, MAC_LEN))
	local kind = env.kind and env.kind:tonumber() or 0
	local info = string.format("envelope v%s %s",
		env.version and env.version:tonumber() or "?", kinds[kind] or ("kind " .. kind))
	local body, m = env.body, body_of_kind[kind]
	if body and m and body.len > 0 then
		local bt = t:add(tvb(body.off, body.len), m)
		local v = dissect_msg(tvb, body.off, body.len, bt, m, prefix_of[m], 1)
		for _, d in ipairs(schema[m]) do
			if schema[d[3]] and v[d[2]] then
				info = info .. " " .. d[2]
			end
		end
	end
	pinfo.cols.info = info
	return tvb:len()
end

-- Registration ---------------------------------------------------------------

local udp = DissectorTable.get("udp.port")
local cur_data, cur_ctl = DATA_PORT, CTL_PORT
udp:add(cur_data, xm)
udp:add(cur_ctl, ctl)

local function reregister(proto, cur, new)
	if cur ~= new then
		udp:remove(cur, proto)
		udp:add(new, proto)
	end
	return new
end

function xm.prefs_changed()
	cur_data = reregister(xm, cur_data, xm.prefs.port)
end

function ctl.prefs_changed()
	cur_ctl = reregister(ctl, cur_ctl, ctl.prefs.port)
end
