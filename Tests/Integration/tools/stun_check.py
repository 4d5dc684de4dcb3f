#!/usr/bin/env python3
"""ICE connectivity checks against Sluice's shared WebRTC port, stdlib only.

Builds an RFC 5389 binding request as a controlling ICE agent would (USERNAME
"<ufrag>:x", PRIORITY, ICE-CONTROLLING, optional USE-CANDIDATE, MESSAGE-INTEGRITY
HMAC-SHA1 keyed with the transport's ICE password, FINGERPRINT CRC-32 ^ 0x5354554e),
sends it over UDP, or over TCP with RFC 4571 framing (2-byte big-endian length before
each packet), and checks the answer: a success response with our transaction id, a
valid MESSAGE-INTEGRITY and FINGERPRINT and an XOR-MAPPED-ADDRESS equal to our
socket's address.

  stun_check.py --host H --port P --proto udp|tcp --ufrag U --password PW
                [--count N] [--split] [--use-candidate] [--timeout S]
      Sends N checks (TCP: all N frames in one write; --split writes every frame
      in two parts, the length prefix cut in half, with a pause between them).
      Prints one JSON line {answered, expected, mappedOk, closed, errors}.
      Exit 0 when every check got a valid success response, 1 when none was
      answered, 2 when some were, 3 on anything malformed.

  stun_check.py --host H --port P --proto tcp --bad-frame zero|huge [--timeout S]
      Sends a check, then a frame with length 0 (or 0xFFFF), and reports whether the
      server answered the check and then closed the connection:
      {answered, closed}.  Exit 0 when both hold.
"""

import argparse
import binascii
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import time

MAGIC = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
A_USERNAME = 0x0006
A_MESSAGE_INTEGRITY = 0x0008
A_XOR_MAPPED_ADDRESS = 0x0020
A_PRIORITY = 0x0024
A_USE_CANDIDATE = 0x0025
A_FINGERPRINT = 0x8028
A_ICE_CONTROLLING = 0x802A


def attribute(kind, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * pad


def binding_request(ufrag, password, use_candidate):
    tid = os.urandom(12)
    attrs = attribute(A_USERNAME, f"{ufrag}:x".encode())
    attrs += attribute(A_PRIORITY, struct.pack("!I", 1853817087))
    attrs += attribute(A_ICE_CONTROLLING, os.urandom(8))
    if use_candidate:
        attrs += attribute(A_USE_CANDIDATE, b"")
    # MESSAGE-INTEGRITY covers the header with the length up to and including itself.
    header = struct.pack("!HHI", BINDING_REQUEST, len(attrs) + 24, MAGIC) + tid
    mac = hmac.new(password.encode(), header + attrs, hashlib.sha1).digest()
    attrs += attribute(A_MESSAGE_INTEGRITY, mac)
    header = struct.pack("!HHI", BINDING_REQUEST, len(attrs) + 8, MAGIC) + tid
    crc = (binascii.crc32(header + attrs) & 0xFFFFFFFF) ^ 0x5354554E
    attrs += attribute(A_FINGERPRINT, struct.pack("!I", crc))
    return tid, struct.pack("!HHI", BINDING_REQUEST, len(attrs), MAGIC) + tid + attrs


def attributes(message):
    out = []
    offset = 20
    while offset + 4 <= len(message):
        kind, length = struct.unpack_from("!HH", message, offset)
        out.append((kind, offset, message[offset + 4:offset + 4 + length]))
        offset += 4 + length + (4 - length % 4) % 4
    return out


def verify_response(message, tid, password, local):
    """None when fine, else why not."""
    if len(message) < 20:
        return "short"
    kind, length, magic = struct.unpack_from("!HHI", message, 0)
    if magic != MAGIC or message[8:20] != tid:
        return "not our transaction"
    if kind != BINDING_SUCCESS:
        return f"class/method 0x{kind:04x}"
    attrs = attributes(message)
    kinds = [a[0] for a in attrs]
    if A_MESSAGE_INTEGRITY not in kinds or A_FINGERPRINT not in kinds:
        return "no integrity or fingerprint"
    for kind, offset, value in attrs:
        if kind == A_MESSAGE_INTEGRITY:
            header = struct.pack("!HH", BINDING_SUCCESS, offset - 20 + 24) + message[4:20]
            expected = hmac.new(password.encode(), header + message[20:offset], hashlib.sha1).digest()
            if not hmac.compare_digest(expected, value):
                return "bad MESSAGE-INTEGRITY"
        if kind == A_FINGERPRINT:
            header = struct.pack("!HH", BINDING_SUCCESS, offset - 20 + 8) + message[4:20]
            crc = (binascii.crc32(header + message[20:offset]) & 0xFFFFFFFF) ^ 0x5354554E
            if struct.unpack("!I", value)[0] != crc:
                return "bad FINGERPRINT"
        if kind == A_XOR_MAPPED_ADDRESS:
            port = struct.unpack_from("!H", value, 2)[0] ^ (MAGIC >> 16)
            ip = bytes(b ^ m for b, m in zip(value[4:8], struct.pack("!I", MAGIC)))
            if (socket.inet_ntoa(ip), port) != local:
                return f"mapped {socket.inet_ntoa(ip)}:{port}, we are {local[0]}:{local[1]}"
    if A_XOR_MAPPED_ADDRESS not in kinds:
        return "no XOR-MAPPED-ADDRESS"
    return None


def recv_exact(sock, count, deadline):
    data = b""
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        sock.settimeout(left)
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionResetError("closed by the server")
        data += chunk
    return data


def run_udp(args, requests):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    local = sock.getsockname()
    result = {"answered": 0, "expected": len(requests), "mappedOk": 0, "closed": False, "errors": [],
              "local": f"{local[0]}:{local[1]}"}
    pending = {tid: True for tid, _ in requests}
    for _, packet in requests:
        sock.sendto(packet, (args.host, args.port))
    deadline = time.monotonic() + args.timeout
    while pending and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            message, _ = sock.recvfrom(2048)
        except socket.timeout:
            break
        tid = message[8:20]
        if tid not in pending:
            continue
        del pending[tid]
        result["answered"] += 1
        why = verify_response(message, tid, args.password, local)
        if why is None:
            result["mappedOk"] += 1
        else:
            result["errors"].append(why)
    return result


def run_tcp(args, requests):
    sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    local = sock.getsockname()
    result = {"answered": 0, "expected": len(requests), "mappedOk": 0, "closed": False, "errors": [],
              "local": f"{local[0]}:{local[1]}"}
    frames = [struct.pack("!H", len(p)) + p for _, p in requests]
    if args.split:
        for frame in frames:
            sock.sendall(frame[:1])
            time.sleep(0.05)
            sock.sendall(frame[1:])
            time.sleep(0.05)
    else:
        sock.sendall(b"".join(frames))
    deadline = time.monotonic() + args.timeout
    wanted = {tid for tid, _ in requests}
    try:
        while wanted:
            (length,) = struct.unpack("!H", recv_exact(sock, 2, deadline))
            message = recv_exact(sock, length, deadline)
            tid = message[8:20]
            if tid not in wanted:
                continue
            wanted.discard(tid)
            result["answered"] += 1
            why = verify_response(message, tid, args.password, local)
            if why is None:
                result["mappedOk"] += 1
            else:
                result["errors"].append(why)
    except socket.timeout:
        pass
    except (ConnectionResetError, BrokenPipeError):
        result["closed"] = True
    sock.close()
    return result


def run_bad_frame(args):
    tid, packet = binding_request(args.ufrag, args.password, False)
    sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    local = sock.getsockname()
    bad = b"\0\0" if args.bad_frame == "zero" else b"\xff\xff" + b"\0" * 8
    sock.sendall(struct.pack("!H", len(packet)) + packet + bad)
    deadline = time.monotonic() + args.timeout
    result = {"answered": False, "closed": False, "error": None}
    try:
        (length,) = struct.unpack("!H", recv_exact(sock, 2, deadline))
        message = recv_exact(sock, length, deadline)
        result["error"] = verify_response(message, tid, args.password, local)
        result["answered"] = result["error"] is None
        # The server must now close: read until EOF (or time out).
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            if not sock.recv(4096):
                result["closed"] = True
                break
    except socket.timeout:
        pass
    except (ConnectionResetError, BrokenPipeError):
        result["closed"] = True
    sock.close()
    print(json.dumps(result))
    return 0 if result["answered"] and result["closed"] else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--proto", choices=["udp", "tcp"], default="udp")
    parser.add_argument("--ufrag", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--split", action="store_true")
    parser.add_argument("--use-candidate", action="store_true")
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--bad-frame", choices=["zero", "huge"])
    args = parser.parse_args()
    try:
        if args.bad_frame:
            if args.proto != "tcp":
                parser.error("--bad-frame needs --proto tcp")
            return run_bad_frame(args)
        requests = [binding_request(args.ufrag, args.password, args.use_candidate) for _ in range(args.count)]
        result = run_udp(args, requests) if args.proto == "udp" else run_tcp(args, requests)
    except OSError as error:
        print(json.dumps({"error": str(error)}))
        return 3
    print(json.dumps(result))
    if result["mappedOk"] == result["expected"]:
        return 0
    if result["answered"] == 0 and not result["errors"]:
        return 1
    return 2 if not result["errors"] else 3


if __name__ == "__main__":
    sys.exit(main())
