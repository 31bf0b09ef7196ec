"""Mid-stream continuation (deploy/ROUTING.md): a stream that breaks after reaching the client is
completed by the next deployment, and the official SDKs see one uninterrupted answer — for the
OpenAI, Anthropic and Gemini entry formats — or, when it cannot be continued honestly, an error
event, never a truncated success (failover scenarios 8, 9, 10, 14).

Each group is "<primary fault> then <fallback>": the primary (order 1) breaks after some content;
the fallback (order 2) is asked for the rest: by prefill (Anthropic) or by the documented
instruction (OpenAI-format models), which the mock obeys (mock-echo) or ignores by starting over
(mock-echoprefix), so the seam must drop the echo.
"""
from __future__ import annotations

import json
import time

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as gtypes

from conftest import _stack
from helpers import MASTER_KEY, chat_body, sse_events, unique

PRIMARIES = {  # name -> (deployment of the failing primary)
    "cut": "{model: openai/mock-cut-3, api_base: \"BASE/v1\", KEY}",
    "stall": "{model: openai/mock-stall-3, api_base: \"BASE/v1\", KEY}",
    "garbage": "{model: openai/mock-garbage-3, api_base: \"BASE/v1\", KEY}",
    "ttft": "{model: openai/mock-ttft-5000, api_base: \"BASE/v1\", KEY, stream_timeout: 1}",
    # The first content comes 400 ms after the opening, so it reaches the client while the request
    # thread sleeps (relayed by the loop thread), then the stream stalls.
    "lstall": "{model: openai/mock-ttft-400-stall-3, api_base: \"BASE/v1\", KEY}",
    "acut": "{model: anthropic/mock-cut-3, api_base: \"BASE/anthropic\", KEY}",
    "gcut": "{model: gemini/mock-cut-3, api_base: \"BASE/gemini\", KEY}",
}
FALLBACKS = {
    "oa": "{model: openai/mock-echo, api_base: \"BASE/v1\", KEY}",
    "echo": "{model: openai/mock-echoprefix, api_base: \"BASE/v1\", KEY}",
    "claude": "{model: anthropic/mock-echo, api_base: \"BASE/anthropic\", KEY}",
    "noprefill": "{model: anthropic/mock-noprefill, api_base: \"BASE/anthropic\", KEY}",
    "broken": "{model: openai/mock-cut-2, api_base: \"BASE/v1\", KEY}",
}
GROUPS = [(p, f) for p in ("cut", "stall", "garbage", "ttft") for f in ("oa", "echo", "claude", "noprefill")] \
    + [("acut", "oa"), ("gcut", "oa"), ("acut", "claude"), ("cut", "broken"), ("lstall", "oa")]


def config(mock_port: int) -> str:
    base, key = f"http://127.0.0.1:{mock_port}", "api_key: os.environ/MOCK_UPSTREAM_KEY"
    lines = ["auth: {master_key: os.environ/ROUTERO_MASTER_KEY}", "cache: {enabled: false}",
             "allow_unlisted_models: false",
             "routing: {stream_stall_timeout_seconds: 1, num_retries: 0}", "models:"]

    def dep(text: str, order: int) -> str:
        return text.replace("BASE", base).replace("KEY", key)[:-1] + f", order: {order}}}"
    for p, f in GROUPS:
        lines.append(f"  - {{name: c-{p}-{f}, deployments: [{dep(PRIMARIES[p], 1)}, {dep(FALLBACKS[f], 2)}]}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def cstack(tmp_path_factory, mock, binary):
    s = _stack(tmp_path_factory, "continuation", config(mock.port), binary, workers=2)
    yield s
    s.stop()


def openai_stream(stack, model: str, text: str):
    client = stack.client()
    chunks = list(client.chat.completions.create(model=model, stream=True, stream_options={"include_usage": True},
                                                 messages=[{"role": "user", "content": text}]))
    return chunks


def text_of(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def assert_one_openai_answer(chunks, expected: str):
    assert len({c.id for c in chunks}) == 1, "every chunk keeps the primary's id"
    roles = [c for c in chunks if c.choices and c.choices[0].delta.role]
    assert len(roles) == 1, "one role delta"
    got = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert got == expected
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    usage = [c.usage for c in chunks if c.usage]
    assert len(usage) == 1 and usage[0].completion_tokens > 0 and usage[0].prompt_tokens > 0


@pytest.mark.parametrize("primary", ["cut", "stall", "garbage", "ttft"])
@pytest.mark.parametrize("fallback", ["oa", "echo", "claude", "noprefill"])
def test_openai_client_gets_one_whole_answer(cstack, mock, primary, fallback):
    text = unique(f"cont {primary} {fallback} with several words")
    chunks = openai_stream(cstack, f"c-{primary}-{fallback}", text)
    assert_one_openai_answer(chunks, f"echo: {text}")
    made = mock.calls_with(text)
    refused_prefill = fallback == "noprefill" and primary != "ttft"
    assert len(made) == (3 if refused_prefill else 2), [c.get("model") for c in made]
    leg = made[-1]["body"]
    msgs = leg["messages"]
    if primary == "ttft":
        # Nothing but the role chunk reached the client: a clean restart, not a continuation.
        assert msgs[-1]["role"] == "user" and "Continue" not in json.dumps(msgs[-1])
        return
    if fallback == "claude":
        assert msgs[-1]["role"] == "assistant", "Anthropic continues by prefill"
        assert leg["max_tokens"] > 0
    else:
        # OpenAI-format models and a Claude that refused the prefill get the instruction.
        assert msgs[-1]["role"] == "user" and text_of(msgs[-1]).startswith("Your previous reply was cut off")
        assert msgs[-2]["role"] == "assistant"
    if refused_prefill:
        assert made[1]["body"]["messages"][-1]["role"] == "assistant"  # the refused prefill came first


def test_a_stall_after_content_relayed_while_asleep_is_caught_at_the_stall_timeout(cstack, mock):
    """The stall clock (1 s here) replaces the first-token clock (the 600 s upstream timeout) as
    soon as content reaches the client, also when that content was relayed while the request
    thread slept: the fallback is asked about a second after the primary went silent."""
    text = unique("late content then silence")
    started = time.monotonic()
    chunks = openai_stream(cstack, "c-lstall-oa", text)
    elapsed = time.monotonic() - started
    assert_one_openai_answer(chunks, f"echo: {text}")
    made = mock.calls_with(text)
    assert len(made) == 2
    silent_for = made[1]["started_at"] - made[0]["started_at"]
    print(f"\nmeasured: fallback asked {silent_for:.2f} s after the primary's call started; whole stream {elapsed:.2f} s")
    assert silent_for < 4, "the stall was caught by a later clock than stream_stall_timeout_seconds"


def test_exactly_one_done_and_no_broken_chunk(cstack, mock):
    text = unique("raw garbage")
    status, _, events = sse_events(cstack.port, chat_body("c-garbage-oa", text, stream=True))
    assert status == 200
    datas = [d for _, d in events]
    assert datas.count("[DONE]") == 1 and datas[-1] == "[DONE]"
    for d in datas[:-1]:
        json.loads(d)  # every event the client got is whole JSON: the malformed chunk never leaked
    got = "".join((json.loads(d)["choices"] or [{}])[0].get("delta", {}).get("content") or "" for d in datas[:-1])
    assert got == f"echo: {text}"


def test_anthropic_client_gets_one_message(cstack, mock):
    for group in ("c-cut-claude", "c-acut-oa", "c-acut-claude", "c-stall-echo"):
        text = unique(f"anthropic {group} words here")
        client = anthropic.Anthropic(base_url=cstack.base_url, api_key=MASTER_KEY, max_retries=0)
        kinds, parts = [], []
        with client.messages.stream(model=group, max_tokens=200, messages=[{"role": "user", "content": text}]) as s:
            for event in s:
                kinds.append(event.type)
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    parts.append(event.delta.text)
            final = s.get_final_message()
        assert "".join(parts) == f"echo: {text}", group
        assert final.content[0].text == f"echo: {text}"
        assert kinds.count("message_start") == 1 and kinds.count("message_stop") == 1, (group, kinds)
        assert final.stop_reason == "end_turn"
        assert final.usage.output_tokens > 0


def test_gemini_client_gets_one_answer(cstack, mock):
    client = genai.Client(api_key=MASTER_KEY, http_options=gtypes.HttpOptions(base_url=cstack.base_url))
    for group in ("c-cut-oa", "c-gcut-oa", "c-garbage-claude"):
        text = unique(f"gemini {group} words")
        chunks = list(client.models.generate_content_stream(model=group, contents=text))
        got = "".join(c.text or "" for c in chunks)
        assert got == f"echo: {text}", group
        finishes = [c.candidates[0].finish_reason for c in chunks if c.candidates and c.candidates[0].finish_reason]
        assert len(finishes) == 1 and finishes[0].name == "STOP"
        assert chunks[-1].usage_metadata.candidates_token_count > 0


def test_json_mode_is_never_continued(cstack, mock):
    text = unique("json cut")
    client = cstack.client()
    with pytest.raises(openai.APIError) as ei:
        for _ in client.chat.completions.create(model="c-cut-oa", stream=True, response_format={"type": "json_object"},
                                                messages=[{"role": "user", "content": text}]):
            pass
    assert "broke off" in str(ei.value)
    assert len(mock.calls_with(text)) == 1  # no second leg


def test_when_the_continuation_breaks_too_the_client_gets_the_original_error(cstack, mock):
    text = unique("both break here ok")
    client = cstack.client()
    got = []
    with pytest.raises(openai.APIError) as ei:
        for c in client.chat.completions.create(model="c-cut-broken", stream=True,
                                                messages=[{"role": "user", "content": text}]):
            if c.choices:
                got.append(c.choices[0].delta.content or "")
    assert "broke off" in str(ei.value)
    # Whatever arrived is a prefix of the answer: no duplicate, no gap.
    assert f"echo: {text}".startswith("".join(got))
    assert len("".join(got)) > 9  # the second leg added to the first before it broke


def test_a_cut_with_nothing_else_to_try_ends_in_an_error_event(client, mock):
    # The main stack's mock-cut-3 group has one deployment: the stream ends with an error, not a 200 success.
    text = unique("lonely cut")
    with pytest.raises(openai.APIError):
        for _ in client.chat.completions.create(model="mock-cut-3", stream=True,
                                                messages=[{"role": "user", "content": text}]):
            pass
