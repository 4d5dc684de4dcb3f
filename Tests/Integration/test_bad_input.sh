#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# Bad requests get the right 4xx/5xx problem+json answer, change nothing, and
# leave the server (and other rooms) healthy.  Statuses: Docs/API-SHAPES.md.
#
# Env: SLUICE_URL (required); IT_MAX_BODY_SIZE (optional, the server's body
# limit in bytes; default 1048576 — the oversized bodies sent are 2 MiB).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOM_A="it-bad-a-$(rand_id 8)"
ROOM_B="it-bad-b-$(rand_id 8)"
A1="$(rand_id 32)"
A2="$(rand_id 32)"
BB="$(rand_id 32)"
OVERSIZE=$((2 * 1024 * 1024))
if [ -n "${IT_MAX_BODY_SIZE:-}" ] && [ "$IT_MAX_BODY_SIZE" -ge "$OVERSIZE" ]; then
    OVERSIZE=$((IT_MAX_BODY_SIZE * 2))
fi

OPUS_PRODUCER='{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2,"parameters":{"sprop-stereo":1}}],"encodings":[{"ssrc":5555}]}}'
VP8_PRODUCER='{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/vp8","payloadType":101,"clockRate":90000}],"encodings":[{"ssrc":6666}]}}'
ISAC_CAPS='{"codecs":[{"kind":"audio","mimeType":"audio/ISAC","preferredPayloadType":103,"clockRate":16000,"parameters":{},"rtcpFeedback":[]}],"headerExtensions":[]}'

# setup NAME STATUS: a setup step must succeed, else the rest is meaningless.
setup_ok() {
    if [ "$HTTP_STATUS" = "$2" ]; then
        pass "setup: $1"
    else
        fail "setup: $1" "expected HTTP $2; $(last_response)"
        finish
    fi
}

# ------------------------------------------------------------ room B: the bystander
http GET "/rooms/$ROOM_B"
setup_ok "GET room B" 200
http POST "/rooms/$ROOM_B/broadcasters" "{\"id\":\"$BB\",\"displayName\":\"Bystander\",\"device\":{\"name\":\"FFmpeg\"}}"
setup_ok "broadcaster in room B" 200
http POST "/rooms/$ROOM_B/broadcasters/$BB/transports" '{"type":"plain","comedia":true,"rtcpMux":false}'
setup_ok "transport in room B" 200
BB_T="$(jqr .id)"
http POST "/rooms/$ROOM_B/broadcasters/$BB/transports/$BB_T/producers" "$OPUS_PRODUCER"
setup_ok "producer in room B" 200
http GET "/rooms/$ROOM_B/broadcasters/$BB"
setup_ok "GET room B broadcaster" 200
SNAPSHOT_B="$(jq -S . <<<"$HTTP_BODY")"

# ------------------------------------------------------------ room A: the target
http GET "/rooms/$ROOM_A"
setup_ok "GET room A" 200
CAPS_A="$HTTP_BODY"
http POST "/rooms/$ROOM_A/broadcasters" \
    "$(jq -c --arg id "$A1" '{id: $id, displayName: "A1", device: {name: "curl"}, rtpCapabilities: .}' <<<"$CAPS_A")"
setup_ok "broadcaster A1" 200
http POST "/rooms/$ROOM_A/broadcasters/$A1/transports" '{"type":"plain","comedia":true,"rtcpMux":false}'
setup_ok "A1 ingress transport" 200
T1="$(jqr .id)"
http POST "/rooms/$ROOM_A/broadcasters/$A1/transports" '{"type":"plain","comedia":false,"rtcpMux":false}'
setup_ok "A1 egress transport" 200
T2="$(jqr .id)"
BASE="/rooms/$ROOM_A/broadcasters/$A1"

# ------------------------------------------------------------ 400: malformed JSON
http POST "/rooms/$ROOM_A/broadcasters" '{"id":"abc","displayName":'
assert_problem "malformed JSON (broadcaster) → 400" 400
assert_jq "malformed JSON: .detail non-empty" '.detail | type == "string" and length > 0'
http POST "$BASE/transports/$T1/producers" '{"kind":"audio",'
assert_problem "malformed JSON (producer) → 400" 400
http POST "$BASE/transports" 'not json at all'
assert_problem "garbage body (transport) → 400" 400
http POST "/rooms/$ROOM_A/broadcasters" '[1,2,3]'
assert_problem "JSON array instead of object → 400" 400
http POST "/rooms/$ROOM_A/broadcasters"
assert_problem "missing body → 400" 400

# ------------------------------------------------------------ 400: wrong types / values
http POST "$BASE/transports/$T2/connect" '{"ip":"127.0.0.1","port":"x","rtcpPort":50001}'
assert_problem "connect with \"port\":\"x\" → 400" 400
assert_jq "port:x detail names the field" '.detail | test("port")'
http POST "$BASE/transports/$T1/producers" \
    '{"kind":"chicken","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2}],"encodings":[{"ssrc":7777}]}}'
assert_problem "producer with \"kind\":\"chicken\" → 400" 400
assert_jq "kind:chicken detail names the field" '.detail | test("kind")'
http POST "$BASE/transports" '{"type":"carrier-pigeon"}'
assert_problem "transport type carrier-pigeon → 400" 400
http POST "$BASE/transports" '{"type":"plain","comedia":"yes"}'
assert_problem "transport comedia:\"yes\" → 400" 400
http POST "$BASE/transports/$T1/producers" \
    '{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2}],"encodings":[{"ssrc":"many"}]}}'
assert_problem "producer with ssrc:\"many\" → 400" 400
http POST "$BASE/transports/$T1/producers" '{"kind":"audio"}'
assert_problem "producer without rtpParameters → 400" 400
# the bad connect changed nothing: a good one still works
http POST "$BASE/transports/$T2/connect" '{"ip":"127.0.0.1","port":50002,"rtcpPort":50003}'
assert_status "good connect after the bad ones → 200" 200

# ------------------------------------------------------------ 400: missing fields
http POST "/rooms/$ROOM_A/broadcasters" "{\"id\":\"$(rand_id 32)\",\"device\":{\"name\":\"FFmpeg\"}}"
assert_problem "broadcaster without displayName → 400" 400
assert_jq "missing displayName: detail names the field" '.detail | test("displayName")'
http POST "/rooms/$ROOM_A/broadcasters" '{"displayName":"x","device":{"name":"FFmpeg"}}'
assert_problem "broadcaster without id → 400" 400
http POST "/rooms/$ROOM_A/broadcasters" '{"id":"","displayName":"x","device":{"name":"FFmpeg"}}'
assert_problem "broadcaster with empty id → 400" 400
http POST "/rooms/$ROOM_A/broadcasters" "{\"id\":\"$(rand_id 32)\",\"displayName\":\"x\"}"
assert_problem "broadcaster without device → 400" 400
http POST "$BASE/transports/$T2/consume"
assert_problem "consume without producerId → 400" 400

# ------------------------------------------------------------ 409: duplicate broadcaster
http POST "/rooms/$ROOM_A/broadcasters" "{\"id\":\"$A1\",\"displayName\":\"Again\",\"device\":{\"name\":\"FFmpeg\"}}"
assert_problem "duplicate broadcaster id → 409" 409

# ------------------------------------------------------------ 404: unknown ids and routes
http GET "/rooms/$ROOM_A/broadcasters/no-such-broadcaster"
assert_problem "GET unknown broadcaster → 404" 404
http POST "/rooms/$ROOM_A/broadcasters/no-such-broadcaster/transports" '{"type":"plain","comedia":true,"rtcpMux":false}'
assert_problem "transport on unknown broadcaster → 404" 404
http DELETE "/rooms/$ROOM_A/broadcasters/no-such-broadcaster"
assert_problem "DELETE unknown broadcaster → 404" 404
http POST "$BASE/transports/no-such-transport/producers" "$VP8_PRODUCER"
assert_problem "producer on unknown transport → 404" 404
http POST "$BASE/transports/no-such-transport/connect" '{"ip":"127.0.0.1","port":50000,"rtcpPort":50001}'
assert_problem "connect unknown transport → 404" 404
http GET "$BASE/transports/no-such-transport"
assert_problem "GET unknown transport → 404" 404
http POST "$BASE/transports/$T2/consume?producerId=no-such-producer"
assert_problem "consume unknown producer → 404" 404
http GET "$BASE/producers/no-such-producer"
assert_problem "GET unknown producer → 404" 404
http GET "$BASE/consumers/no-such-consumer"
assert_problem "GET unknown consumer → 404" 404
http GET "/rooms/it-no-such-room-$(rand_id 8)/broadcasters/x"
assert_problem "broadcaster in unknown room → 404" 404
http GET "/definitely/not/a/route"
assert_problem "unknown route → 404" 404
http POST "$BASE/frobnicate" '{}'
assert_problem "unknown sub-route → 404" 404

# ------------------------------------------------------------ 405: wrong method
http PUT "/rooms/$ROOM_A" '{}'
assert_problem "PUT /rooms/:roomId → 405" 405
ALLOW="$(http_header Allow)"
if [[ "$ALLOW" == *GET* ]]; then pass "405 carries Allow: $ALLOW"; else fail "405 carries an Allow header listing GET" "Allow: '$ALLOW'"; fi
http PATCH "/rooms/$ROOM_A/broadcasters" '{}'
assert_problem "PATCH /rooms/:roomId/broadcasters → 405" 405

# ------------------------------------------------------------ 413: body too large
python3 - "$IT_TMP/big.json" "$OVERSIZE" <<'EOF'
import json, sys
path, size = sys.argv[1], int(sys.argv[2])
doc = {"id": "big", "displayName": "x" * size, "device": {"name": "FFmpeg"}}
with open(path, "w") as f:
    json.dump(doc, f)
EOF
http POST "/rooms/$ROOM_A/broadcasters" "@$IT_TMP/big.json"
assert_status "2 MiB body (Content-Length) → 413" 413
http POST "/rooms/$ROOM_A/broadcasters" "@$IT_TMP/big.json" -H 'Transfer-Encoding: chunked'
assert_status "2 MiB body (chunked) → 413" 413
http GET "/rooms/$ROOM_A/broadcasters/big"
assert_problem "oversized broadcaster was not created" 404

# ------------------------------------------------------------ 422: unsupported codecs
http POST "$BASE/transports/$T1/producers" \
    '{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/ISAC","payloadType":103,"clockRate":16000}],"encodings":[{"ssrc":4444}]}}'
assert_problem "producer with audio/ISAC → 422" 422

# ------------------------------------------------------------ 409: duplicate SSRC
http POST "$BASE/transports/$T1/producers" "$OPUS_PRODUCER"
assert_json_ok "producer with ssrc 5555 → 200" 200
AUDIO_P="$(jqr .id)"
http POST "$BASE/transports/$T1/producers" "$OPUS_PRODUCER"
assert_problem "second producer with ssrc 5555 on the same transport → 409" 409

# ------------------------------------------------------------ 501: data channels
http POST "$BASE/transports/$T1/produce/data" '{"sctpStreamParameters":{"streamId":0,"ordered":true},"label":"chat"}'
assert_problem "produce/data → 501" 501
http POST "$BASE/transports/$T1/consume/data" '{"dataProducerId":"whatever"}'
assert_problem "consume/data → 501" 501

# ------------------------------------------------------------ 422: incompatible consumer
http POST "/rooms/$ROOM_A/broadcasters" \
    "$(jq -c --arg id "$A2" '{id: $id, displayName: "ISAC only", device: {name: "old"}, rtpCapabilities: .}' <<<"$ISAC_CAPS")"
assert_json_ok "broadcaster with ISAC-only rtpCapabilities → 200" 200
assert_jq "ISAC-only broadcaster sees no consumable producers" \
    'all(.peers[]; (.producers | length) == 0)'
http POST "/rooms/$ROOM_A/broadcasters/$A2/transports" '{"type":"plain","comedia":false,"rtcpMux":false}'
assert_json_ok "ISAC-only broadcaster transport → 200" 200
A2_T="$(jqr .id)"
http POST "/rooms/$ROOM_A/broadcasters/$A2/transports/$A2_T/consume?producerId=$AUDIO_P"
assert_problem "consume opus with ISAC-only broadcaster capabilities → 422" 422
http POST "$BASE/transports/$T2/consume?producerId=$AUDIO_P" "{\"rtpCapabilities\":$ISAC_CAPS}"
assert_problem "consume opus with ISAC-only body rtpCapabilities → 422" 422

# ------------------------------------------------------------ nothing broke
http GET "/healthz"
assert_json_ok "/healthz still 200" 200
assert_jq "/healthz status ok" '.status == "ok"'
http GET "$BASE"
assert_json_ok "A1 still readable" 200
assert_jq "A1: failed requests left no trace (2 transports, 1 producer, 0 consumers)" \
    '[(.transports | length), (.producers | length), (.consumers | length)] == [2, 1, 0]'
http GET "/rooms/$ROOM_B/broadcasters/$BB"
assert_json_ok "room B broadcaster still readable" 200
if [ "$(jq -S . <<<"$HTTP_BODY")" = "$SNAPSHOT_B" ]; then
    pass "room B broadcaster state unchanged"
else
    fail "room B broadcaster state unchanged" "$(diff <(echo "$SNAPSHOT_B") <(jq -S . <<<"$HTTP_BODY") | head -20 | tr '\n' ' ')"
fi

# ------------------------------------------------------------ clean up
http DELETE "/rooms/$ROOM_A"
assert_status "DELETE room A 204" 204
http DELETE "/rooms/$ROOM_B"
assert_status "DELETE room B 204" 204

finish
