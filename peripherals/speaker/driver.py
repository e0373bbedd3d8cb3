"""espeak-ng (Debian package `espeak-ng`) behind the Speaker interface.

Each utterance is one `espeak-ng` process, the text on its stdin: `espeak://` lets espeak-ng
play it on the default sound card; `wav:///FOLDER` writes it to FOLDER/NNNN_<voice>.wav instead
(a kiosk without a sound card, the tests). Stopping kills the process, so speech stops within
a few milliseconds.

The WAV folder stands in for a loudspeaker in time too: an utterance is `speaking` for as long
as its audio lasts from when it was said, and stopping it cuts the file to what was "played".
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import threading
import time
import wave
from pathlib import Path
from urllib.parse import urlparse

from peripherals.speaker.errors import SpeakerError
from peripherals.speaker.protocol import Utterance
from peripherals.status import DeviceState, DeviceStatus
from peripherals.transport import Registry

SPEAKERS: Registry[EspeakSpeaker] = Registry("speaker", "扬声器")
ENGINE = "espeak-ng"
WORDS_PER_MINUTE = 150  # a little slower than espeak-ng's 175: strangers, a noisy square


class EspeakSpeaker:
    def __init__(self, folder: Path | None = None, engine: str = ENGINE) -> None:
        self.folder = folder
        self.engine = engine
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._path = ""  # the WAV of the utterance being said (folder mode)
        self._started = 0.0
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def say(self, text: str, voice: str, volume: int) -> Utterance:
        binary = shutil.which(self.engine)
        if binary is None:
            raise SpeakerError(
                "engine_missing", f"{self.engine} is not installed", "语音引擎未安装"
            )
        volume = max(0, min(100, int(volume)))
        args = [binary, "-v", voice, "-a", str(volume * 2), "-s", str(WORDS_PER_MINUTE)]
        path = ""
        if self.folder is not None:
            path = str(self.folder / f"{next(self._numbers):04d}_{voice}.wav")
            args += ["-w", path]
        with self._lock:
            self._stop_locked()
            self._proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            proc = self._proc
            self._path, self._started = path, time.monotonic()
        assert proc.stdin is not None
        try:
            proc.stdin.write(text.encode("utf-8"))
            proc.stdin.close()
        except BrokenPipeError:  # stopped before it read its text
            pass
        return Utterance(text, voice, volume, path)

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        elif self._path and self._playing_for() is not None:
            _cut(Path(self._path), time.monotonic() - self._started)
        self._path = ""

    def _playing_for(self) -> float | None:
        """Seconds of the WAV still to "play" (folder mode), None when it is over."""
        try:
            with wave.open(self._path) as audio:
                length = audio.getnframes() / audio.getframerate()
        except (OSError, EOFError, wave.Error):
            return None
        left = length - (time.monotonic() - self._started)
        return left if left > 0 else None

    @property
    def speaking(self) -> bool:
        proc = self._proc
        if proc is None:
            return False
        if proc.poll() is None:
            return True
        return bool(self._path) and self._playing_for() is not None

    def wait(self, timeout: float) -> bool:
        """Until the current utterance is synthesised (played, on a sound card)."""
        proc = self._proc
        if proc is None:
            return True
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def status(self) -> DeviceStatus:
        if shutil.which(self.engine) is None:
            return DeviceStatus(
                "speaker",
                DeviceState.MISSING,
                "engine_missing",
                "语音引擎未安装",
                f"{self.engine} is not installed",
            )
        where = str(self.folder) if self.folder is not None else "sound card"
        return DeviceStatus("speaker", DeviceState.OK, details={"engine": self.engine, "to": where})

    def close(self) -> None:
        self.stop()


def _cut(path: Path, seconds: float) -> None:
    """Keep only the first `seconds` of a WAV file (what was heard before it was stopped)."""
    with wave.open(str(path)) as audio:
        params = audio.getparams()
        frames = audio.readframes(int(seconds * audio.getframerate()))
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(frames)


def _open_sound_card(url: str) -> EspeakSpeaker:
    return EspeakSpeaker()


def _open_wav_folder(url: str) -> EspeakSpeaker:
    folder = urlparse(url).path
    if not folder:
        raise SpeakerError(
            "bad_url", f"wav:// needs a folder: {url!r}", f"语音文件夹地址无效：{url}"
        )
    return EspeakSpeaker(Path(folder))


SPEAKERS.register(_open_sound_card, "espeak")
SPEAKERS.register(_open_wav_folder, "wav")


def open_speaker(url: str) -> EspeakSpeaker:
    """The speaker for a `devices.speaker` setting (espeak:// or wav:///FOLDER)."""
    return SPEAKERS.open(url)
