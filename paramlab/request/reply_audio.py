"""The spoken part of a reply (modalities ["text", "audio"]): its audio and transcript, as the
client assembled them into Choice.audio (message.audio, or a stream's delta.audio pieces), ready
to play."""
from __future__ import annotations

import base64
import binascii
import io
import wave
from dataclasses import dataclass
from typing import Any, Mapping

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


def requested_format(body: Mapping[str, Any] | None) -> str | None:
    """The audio format a request asked for (modalities with "audio"), else None."""
    body = body or {}
    if not (isinstance(body.get("modalities"), list) and "audio" in body["modalities"]):
        return None
    audio = body.get("audio") if isinstance(body.get("audio"), dict) else {}
    return audio.get("format") or "wav"


def of_choice(audio: Mapping[str, Any] | None, fmt: str = "wav") -> ReplyAudio | None:
    """A choice's spoken reply (Choice.audio, assembled from a whole reply or a stream's pieces)."""
    if not audio:
        return None
    try:
        data = base64.b64decode(audio.get("data") or "")
    except (binascii.Error, ValueError):
        data = b""
    return ReplyAudio(data, audio.get("transcript") or "", fmt)
