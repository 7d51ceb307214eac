"""Make the demo's tiny synthetic micro-lecture video (library/data/demo-video.mp4).

Run once by a developer, not at install or run time: the MP4 is committed (≈ 5 KB) so the demo
has a real, playable, range-servable video without shipping or downloading FFmpeg. Needs PyAV
(`pip install av numpy` in a scratch venv). The picture is synthetic: a blackboard with a
drawn right triangle whose squares grow in turn (a wordless 勾股定理 hint), 6 s at 10 fps.
"""

from __future__ import annotations

import sys
from pathlib import Path

import av
import numpy as np

W, H, FPS, SECONDS = 320, 180, 10, 6
OUT = Path(__file__).resolve().parents[1] / "src/educloud/library/data/demo-video.mp4"


def frame(t: float) -> np.ndarray:
    img = np.zeros((H, W, 3), np.uint8)
    img[:] = (28, 64, 44)  # blackboard green
    img[6:10, :] = img[-10:-6, :] = (120, 90, 50)  # frame
    # Right triangle with legs a = 48 (vertical) and b = 64 (horizontal), right angle at (x0, y0).
    x0, y0, a, b = 110, 120, 48, 64
    for i in range(b):
        img[y0, x0 + i] = (240, 240, 240)
    for j in range(a):
        img[y0 - j, x0] = (240, 240, 240)
    for k in range(100):
        img[int(y0 - a + a * k / 100), int(x0 + b * k / 100)] = (240, 240, 240)
    phase = min(3, int(t / 1.5))
    if phase >= 1:  # a² to the left of the vertical leg
        img[y0 - a : y0, x0 - a : x0] = (220, 120, 80)
    if phase >= 2:  # b² below the horizontal leg
        img[y0 : min(H - 12, y0 + b), x0 : x0 + b] = (80, 140, 220)
    if phase >= 3:  # c² = a² + b²: a bar whose length is the sum
        img[20:32, 20 : 20 + (a * a + b * b) // 40] = (230, 210, 90)
    return img


def main() -> int:
    with av.open(str(OUT), "w", format="mp4", options={"movflags": "+faststart"}) as box:
        stream = box.add_stream("libx264", rate=FPS, options={"crf": "30", "preset": "veryslow"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for n in range(FPS * SECONDS):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame(n / FPS), format="rgb24")):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    print(OUT, OUT.stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
