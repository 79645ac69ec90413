"""Redaction: what the gate withholds is removed from each file, in the format it came in.

Plain data in, files out: the gate decides, these functions apply the decision.

- transcripts: ``redact_vtt`` drops whole cues;
- chat: ``redact_chat`` drops messages (private ones always) and withheld quotes;
- Otter text: ``otter.redact_otter`` drops whole turns;
- Teams ``.docx``: ``docx.redact_docx`` rebuilds a minimal document of the kept entries;
- audio: ``keep_only`` (a per-participant track) and ``silence_speech`` (a mixed track),
  both through ``silence``: digital silence, never one withheld sample audible;
- video: ``redact_recording`` / ``redact_video`` black out frames, leave out gallery views;
- ``leaked_samples`` decodes an output and counts audible samples in withheld time.
"""

from sayso.redact.audio import AudioReport, keep_only, silence, silence_speech
from sayso.redact.chat import ChatRedaction, redact_chat
from sayso.redact.errors import RedactError
from sayso.redact.intervals import DEFAULT_MARGIN, Interval, complement, merge, widen
from sayso.redact.measure import leaked_samples
from sayso.redact.video import VideoReport, redact_recording, redact_video
from sayso.redact.vtt import keep_locations, redact_vtt

__all__ = [
    "DEFAULT_MARGIN",
    "AudioReport",
    "ChatRedaction",
    "Interval",
    "RedactError",
    "VideoReport",
    "complement",
    "keep_locations",
    "keep_only",
    "leaked_samples",
    "merge",
    "redact_chat",
    "redact_recording",
    "redact_video",
    "redact_vtt",
    "silence",
    "silence_speech",
    "widen",
]
