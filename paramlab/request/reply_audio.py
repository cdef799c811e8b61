"""The spoken part of a reply (modalities ["text", "audio"]): base64 audio and its transcript,
from a JSON reply (message.audio) or from stream chunks (delta.audio pieces), ready to play."""
from __future__ import annotations

import base64
import binascii
import io
import json
import wave
from dataclasses import dataclass
from typing import Any

PCM16_RATE = 24_000  # OpenAI's pcm16: 24 kHz, mono, little-endian
MIME = {"wav": "audio/wav", "mp3": "audio/mpeg", "aac": "audio/aac", "flac": "audio/flac",
        "opus": "audio/ogg", "pcm16": "audio/wav"}


@dataclass
class ReplyAudio:
    data: bytes
    transcript: str
    format: str

    @property
    def mime(self) -> str:
        return MIME.get(self.format, "audio/wav")

    def playable(self) -> bytes:
        """Bytes a browser can play: raw pcm16 is wrapped in a WAV header."""
        if self.format != "pcm16":
            return self.data
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(PCM16_RATE)
            w.writeframes(self.data)
        return buf.getvalue()


def extract(raw: Any, index: int = 0, fmt: str = "wav") -> ReplyAudio | None:
    """The audio of choice `index` in a recorded reply (JSON body, or the list of SSE data lines)."""
    pieces: list[dict] = []
    if isinstance(raw, dict):
        for c in raw.get("choices") or ():
            if c.get("index", 0) == index and isinstance((c.get("message") or {}).get("audio"), dict):
                pieces.append(c["message"]["audio"])
    elif isinstance(raw, list):
        for line in raw:
            try:
                chunk = json.loads(line) if isinstance(line, str) else line
            except json.JSONDecodeError:
                continue
            for c in (chunk.get("choices") or ()) if isinstance(chunk, dict) else ():
                audio = (c.get("delta") or {}).get("audio")
                if c.get("index", 0) == index and isinstance(audio, dict):
                    pieces.append(audio)
    if not pieces:
        return None
    data, transcript = b"", ""
    for p in pieces:
        try:
            data += base64.b64decode(p.get("data") or "", validate=False)
        except (binascii.Error, ValueError):
            pass
        transcript += p.get("transcript") or ""
    return ReplyAudio(data, transcript, fmt)
