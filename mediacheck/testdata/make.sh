#!/bin/sh
# Regenerates the committed fixtures with ffmpeg (Debian 12's ffmpeg 5.1.9, with
# libx264, libx265, libmp3lame and libwebp). Run from this directory:
#   sh make.sh
# Each file is a second or less of ffmpeg's test pattern and a sine tone at tiny
# sizes, so every file stays far under 100 KB. The tests assert what each one holds.
set -eu
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
V="-f lavfi -i testsrc2=size=64x64:rate=30:duration=1"
A="-f lavfi -i sine=frequency=440:sample_rate=48000:duration=1"
X264="-c:v libx264 -preset veryfast -crf 40 -g 15"
AAC="-c:a aac -b:a 32k"
# accepted kinds
ff $V $A $X264 -pix_fmt yuv420p $AAC -ac 2 -movflags +faststart ok.mp4
ff $V $A $X264 -pix_fmt yuv420p $AAC -ac 1 ok.mov
ff $V $A $X264 -pix_fmt yuv420p $AAC -ac 2 -movflags frag_keyframe+empty_moov+default_base_moof ok_frag.mp4
ff $V $X264 -pix_fmt yuv420p noaudio.mp4
# one rule broken each
ff -f lavfi -i testsrc2=size=64x64:rate=120:duration=1 $X264 -pix_fmt yuv420p fps120.mp4
ff -f lavfi -i testsrc2=size=64x64:rate=30:duration=0.3 $X264 -pix_fmt yuv420p short.mp4
ff -f lavfi -i testsrc2=size=32x32:rate=1:duration=150 -c:v libx264 -preset veryfast -crf 51 -g 300 -pix_fmt yuv420p long.mp4
ff $V $X264 -pix_fmt yuv444p yuv444.mp4
ff $V $X264 -pix_fmt yuv420p10le 10bit.mp4
ff $V $X264 -pix_fmt yuv420p -flags +ildct+ilme -x264-params tff=1 interlaced.mp4
ff $V $X264 -pix_fmt yuv420p -flags +ildct+ilme -x264-params tff=1 -f mov interlaced.mov
# flagged as possibly interlaced (no MBAFF), encoded progressive: a warning
ff $V $X264 -pix_fmt yuv420p -x264-params fake-interlaced=1:pic-struct=1 fake_interlaced.mp4
ff $V $X264 -pix_fmt yuv420p -vf setsar=4/3 sar4x3.mp4
ff -f lavfi -i testsrc2=size=256x64:rate=30:duration=1 $X264 -pix_fmt yuv420p aspect4x1.mp4
ff -f lavfi -i testsrc2=size=16x16:rate=30:duration=1 $X264 -pix_fmt yuv420p small16.mp4
ff $V $A $X264 -pix_fmt yuv420p -c:a libmp3lame -b:a 32k -ac 2 mp3.mp4
ff $V -f lavfi -i sine=frequency=440:sample_rate=48000:duration=1 $X264 -pix_fmt yuv420p $AAC -af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0" surround.mp4
ff $V -c:v libx265 -preset ultrafast -crf 40 -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p hevc.mp4
# images made by another encoder than Go's
ff -f lavfi -i testsrc2=size=64x48:rate=10:duration=1 -vf "split[a][b];[a]palettegen[p];[b][p]paletteuse" ffmpeg.gif
ff -f lavfi -i testsrc2=size=64x48:rate=10:duration=1 -plays 0 -f apng anim.png
ff -f lavfi -i testsrc2=size=64x48:rate=1:duration=1 -frames:v 1 -c:v libwebp -lossless 0 lossy.webp
ff -f lavfi -i testsrc2=size=64x48:rate=1:duration=1 -frames:v 1 -c:v libwebp -lossless 1 lossless.webp
ff -f lavfi -i testsrc2=size=64x48:rate=10:duration=1 -c:v libwebp_anim -loop 0 anim.webp
