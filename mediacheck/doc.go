// Package mediacheck inspects media without decoding it and checks it
// against X's published media rules, so that a file X would refuse after
// processing is refused before a byte is uploaded.
//
// # Inspect
//
// [Inspect] reads only what it needs: the box headers, moov (and the moof
// headers of a fragmented file) and the codec configurations of MP4 and
// QuickTime files, seeking past the media data; the header and block
// structure of GIF (frames are counted, never decoded), PNG (IHDR, and acTL
// for APNG), JPEG (SOF) and WebP (VP8, VP8L, VP8X). Inspecting a 500 MB MP4
// from ffmpeg reads about 100 kB of it (0.02%), fragmented or not. What it cannot read is not an error: it is listed in
// [Info.Problems], and [Check] turns it into a warning.
//
// Memory is bounded on hostile input: a moov larger than [MaxMoovBytes] or a
// moof larger than [MaxMoofBytes] is not read, the moof boxes read in all are
// capped by [MaxFragmentBytes], and box sizes are checked against the file
// before anything is allocated.
//
// # Sniff
//
// [Sniff] tells a file's [Format] from its first bytes, as Inspect does, and
// [SniffType] its media type, WebVTT and SubRip subtitles included; an ftyp
// box of HEIF, AVIF or M4A audio is no video. [TypeKind] and [KindFits] say
// which category a media type may go in.
//
// # Check
//
// [Check] applies X's rules for a media category to an [Info] and returns
// [Findings], each naming the rule, X's limit and the actual value. A
// definite violation is a refusal ([Refuse]); what cannot be known from the
// headers, or is only X's recommendation, is a warning ([Warn]) or a note
// ([Note]): a file X would accept is never refused. [Findings.Err] gives a
// [*RuleError] (matching [ErrRefused]) for callers that want an error.
//
// The limits that depend on the account (a Premium account may post longer
// and larger videos) are fields of [Limits]; [DefaultLimits] are the
// published ones.
//
// # Rules
//
//	image  tweet_image, dm_image   JPEG, PNG, GIF or WebP; at most 5 MB
//	gif    tweet_gif, dm_gif       at most 15 MB, 1280×1080, 350 frames, 300 M pixels (w·h·frames)
//	video  tweet_video, dm_video   at most 512 MB; 0.5–140 s; at most 60 fps; at least 32×32;
//	       amplify_video           aspect ratio 1:3 to 3:1; square pixels; YUV 4:2:0; 8-bit;
//	                               progressive; audio AAC-LC, mono or stereo (or none)
//
// X's best-practices page still gives 1280×1024 as the largest video frame;
// X has long accepted 1920×1080 and more, so a larger frame is only a note.
// HEVC is not documented by X: it is a warning, not a refusal, and so are
// its chroma format and bit depth (the 4:2:0 and 8-bit rules are H.264's).
//
// # Reporting
//
// [Result] holds one file's [Info] and [Findings]; its String method is the
// block that "mediaupload check FILE" prints, and its JSON form is for
// --json.
package mediacheck
