using System.Text;
using StreamHub.Hls.Segmenting;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls.Segmenting;

public sealed class SegmenterTests
{
    private static readonly DateTimeOffset Start = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(Start);

    private Segmenter Create(int window = 50, double target = 2, int minimumTargetDuration = 2) =>
        new(new SegmentWindow(window, minimumTargetDuration, 0), TimeSpan.FromSeconds(target), _time);

    private static int TargetDuration(Segmenter segmenter) =>
        int.Parse(Text(segmenter).Split('\n').Single(l => l.StartsWith("#EXT-X-TARGETDURATION:", StringComparison.Ordinal))["#EXT-X-TARGETDURATION:".Length..]);

    private static void Feed(Segmenter segmenter, IEnumerable<MediaFrame> frames)
    {
        foreach (var frame in frames)
        {
            segmenter.Write(frame);
            frame.Release();
        }
    }

    private static void Configure(Segmenter segmenter, bool video = true, bool audio = true)
    {
        segmenter.BeginPublish();
        Feed(segmenter, [.. video ? [SyntheticFrames.VideoConfig()] : Array.Empty<MediaFrame>(), .. audio ? [SyntheticFrames.AudioConfig()] : Array.Empty<MediaFrame>()]);
    }

    private static string Text(Segmenter segmenter) => Encoding.UTF8.GetString(segmenter.Window.Snapshot.Playlist.Span);

    private static double[] Durations(Segmenter segmenter) =>
        segmenter.Window.Snapshot.Segments.Select(s => Math.Round(s.Entry.Duration.TotalSeconds, 3)).ToArray();

    [Fact]
    public void Cuts_at_the_first_idr_once_the_target_is_reached_and_lists_it_at_once()
    {
        var segmenter = Create();
        Configure(segmenter);
        // IDR every second (25 frames); target 2 s: cuts at 2, 4, 6 s.
        Feed(segmenter, SyntheticFrames.Interleaved(0, 6000, gopFrames: 25).TakeWhile(f => f.Dts < 2000 || f.Kind == MediaKind.Audio && f.Dts < 1990));
        Assert.Empty(segmenter.Window.Snapshot.Segments);
        Feed(segmenter, [SyntheticFrames.Video(2000, idr: true)]); // the closing keyframe: listed in this call
        var segment = Assert.Single(segmenter.Window.Snapshot.Segments);
        Assert.Equal(2.0, segment.Entry.Duration.TotalSeconds, 3);
        Assert.True(segment.Entry.Independent);
        Assert.Contains("s0.ts", Text(segmenter));
    }

    [Fact]
    public void Whole_stream_gives_target_long_independent_segments_and_a_final_one_on_end()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 10_000, gopFrames: 50));
        Assert.Equal([2.0, 2.0, 2.0, 2.0], Durations(segmenter));
        segmenter.EndPublish();
        Assert.Equal(5, Durations(segmenter).Length);
        Assert.InRange(Durations(segmenter)[^1], 2.0, 2.05);
        var text = Text(segmenter);
        Assert.Contains("#EXT-X-INDEPENDENT-SEGMENTS", text);
        Assert.EndsWith("#EXT-X-ENDLIST\n", text);
        TsChecker.Check(segmenter.Window.Snapshot.Segments, video: true);
    }

    [Theory]
    [InlineData(50, 2.0, 2)]   // GOP 2 s
    [InlineData(62, 2.0, 2)]   // GOP 2.48 s: 2.48 s segments round to 2
    [InlineData(38, 2.0, 2)]   // GOP 1.52 s: cut at every keyframe, since two GOPs would round to 3
    [InlineData(25, 2.0, 2)]   // GOP 1 s: two GOPs a segment
    [InlineData(83, 2.0, 3)]   // GOP 3.32 s (OBS at 30 fps with a 100-frame interval)
    [InlineData(125, 2.0, 5)]  // GOP 5 s: 5 s segments, each starting with its keyframe
    [InlineData(208, 2.0, 8)]  // GOP 8.32 s (OBS simple mode: 250 frames at 30 fps)
    [InlineData(250, 6.0, 10)] // GOP 10 s, target 6 s
    [InlineData(500, 2.0, 15)] // GOP 20 s: longer than the 15 s maximum, cut there without a keyframe
    public void Segments_start_with_keyframes_and_target_duration_is_constant_and_the_rounded_longest_extinf(int gopFrames, double target, int targetDuration)
    {
        var segmenter = Create(window: 5, target: target, minimumTargetDuration: (int)Math.Round(target));
        Configure(segmenter);
        var seen = new HashSet<int>();
        var longest = 0.0;
        foreach (var frame in SyntheticFrames.Interleaved(0, 80_000, gopFrames))
        {
            segmenter.Write(frame);
            frame.Release();
            if (segmenter.Window.Snapshot.HasPlaylist)
            {
                seen.Add(TargetDuration(segmenter));
                longest = Math.Max(longest, segmenter.Window.Snapshot.Segments[^1].Entry.Duration.TotalSeconds);
            }
        }
        Assert.Equal([targetDuration], seen);
        Assert.Equal(targetDuration, (int)Math.Round(longest, MidpointRounding.AwayFromZero));
        var gopSeconds = gopFrames * 0.04;
        var forcedCuts = segmenter.Window.Snapshot.Segments.Any(s => !s.Entry.Independent);
        Assert.Equal(gopSeconds > 15, forcedCuts);
        Assert.Equal(gopSeconds > 15 ? 4 : 0, segmenter.ForcedCuts);
        Assert.Equal(!forcedCuts, Text(segmenter).Contains("#EXT-X-INDEPENDENT-SEGMENTS"));
        Assert.Equal(gopSeconds, segmenter.KeyframeInterval!.Value.TotalSeconds, 3);
        TsChecker.Check(segmenter.Window.Snapshot.Segments, video: true);
    }

    [Fact]
    public void A_keyframe_interval_that_grows_mid_stream_raises_target_duration_instead_of_cutting_without_a_keyframe()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 10_000, gopFrames: 50));
        Assert.Equal(2, TargetDuration(segmenter));
        Feed(segmenter, SyntheticFrames.Interleaved(10_000, 20_000, gopFrames: 100)); // now a keyframe every 4 s
        Assert.Equal(4, TargetDuration(segmenter));
        Assert.All(segmenter.Window.Snapshot.Segments, s => Assert.True(s.Entry.Independent));
        Assert.Equal(0, segmenter.ForcedCuts);
    }

    [Fact]
    public void An_extra_keyframe_on_a_scene_change_does_not_carry_a_segment_past_target_duration()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 6_000, gopFrames: 50));
        // A scene-cut IDR 1.2 s into a GOP: waiting for the next keyframe (2 s later) would make a 3.2 s segment.
        var frames = SyntheticFrames.Interleaved(6_000, 10_000, gopFrames: 50).Select(f =>
            f.Kind == MediaKind.Video && f.Dts == 7_200 ? SyntheticFrames.Video(7_200, idr: true) : f).ToList();
        Feed(segmenter, frames);
        Assert.Equal(2, TargetDuration(segmenter));
        Assert.All(segmenter.Window.Snapshot.Segments, s => Assert.True(s.Entry.Duration.TotalSeconds < 2.5, $"{s.Sequence}: {s.Entry.Duration}"));
        Assert.All(segmenter.Window.Snapshot.Segments, s => Assert.True(s.Entry.Independent));
    }

    [Theory]
    [InlineData(48_000)]
    [InlineData(44_100)]
    public void Audio_timestamps_follow_the_sample_count_across_segments_with_several_frames_a_pes(int sampleRate)
    {
        var segmenter = Create();
        segmenter.BeginPublish();
        Feed(segmenter, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig(config: sampleRate == 48_000 ? SyntheticFrames.AacConfig48k : SyntheticFrames.AacConfig)]);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 12_000, gopFrames: 50, sampleRate: sampleRate)); // millisecond timestamps, as RTMP has them
        segmenter.EndPublish();
        var segments = segmenter.Window.Snapshot.Segments;
        Assert.True(segments.Count >= 5);
        var pes = TsChecker.AudioPes(segments);
        Assert.True(pes.Count < pes.Sum(p => p.Frames) / 2, $"{pes.Count} PES for {pes.Sum(p => p.Frames)} frames");
        Assert.All(pes, p => Assert.True(p.Frames * 1024 * 1000 / sampleRate <= 100, $"a PES of {p.Frames} frames"));
        // Every frame's PTS (the PES's plus the frames before it in the PES) is the first frame's plus its samples.
        var first = pes[0].Pts;
        var index = 0L;
        foreach (var (pts, frames) in pes)
        {
            var expected = first + index * 1024 * 90_000 / sampleRate;
            Assert.True(Math.Abs(pts - expected) <= 1, $"PES at frame {index}: PTS {pts}, expected {expected}");
            index += frames;
        }
        Assert.Equal(segmenter.Window.Snapshot.Segments.Count, segments.Count);
        TsChecker.Check(segments, video: true);
    }

    [Fact]
    public void Audio_timestamps_are_reanchored_when_the_encoder_drops_a_frame()
    {
        var segmenter = Create();
        Configure(segmenter, video: false);
        var frames = SyntheticFrames.Interleaved(0, 3_000, gopFrames: 1, video: false).ToList();
        frames[40].Release();
        frames.RemoveAt(40); // a frame lost: the next one is 23 ms later than the sample count says
        Feed(segmenter, frames);
        segmenter.EndPublish();
        var pts = new List<long>();
        var pes = TsChecker.AudioPes(segmenter.Window.Snapshot.Segments);
        Assert.Equal(frames.Count, pes.Sum(p => p.Frames));
        var gaps = pes.Zip(pes.Skip(1), (a, b) => (b.Pts - a.Pts) / (double)a.Frames).ToList();
        // One PES spans the hole; every other PES advances by 1024 samples (2089.8 ticks) a frame.
        Assert.Single(gaps, g => g > 2200);
        Assert.All(gaps.Where(g => g <= 2200), g => Assert.InRange(g, 2089, 2090));
    }

    [Fact]
    public void Audio_only_is_cut_on_time()
    {
        var segmenter = Create();
        Configure(segmenter, video: false);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 9_000, gopFrames: 1, video: false));
        segmenter.EndPublish();
        var durations = Durations(segmenter);
        Assert.Equal(5, durations.Length);
        Assert.All(durations[..^1], d => Assert.InRange(d, 2.0, 2.03));
        Assert.Contains("#EXT-X-INDEPENDENT-SEGMENTS", Text(segmenter));
        TsChecker.Check(segmenter.Window.Snapshot.Segments, video: false);
        // PMT lists only AAC, with the PCR on the audio PID.
        var pmt = segmenter.Window.Snapshot.Segments[0].Data.FirstSpan.Slice(188, 188);
        Assert.Equal(0x12, pmt[5 + 2]);
        Assert.Equal(0x01, pmt[5 + 9]);
        Assert.Equal(0x0F, pmt[5 + 12]);
    }

    [Fact]
    public void Frames_before_the_first_idr_are_dropped_and_the_first_segment_starts_with_it()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, [SyntheticFrames.Audio(0), SyntheticFrames.Video(0, idr: false), SyntheticFrames.Audio(23), SyntheticFrames.Video(40, idr: false)]);
        Assert.Equal(4, segmenter.DroppedFrames);
        Feed(segmenter, SyntheticFrames.Interleaved(80, 4_100, gopFrames: 50));
        Assert.Equal(4, segmenter.DroppedFrames);
        var first = segmenter.Window.Snapshot.Segments[0];
        Assert.True(first.Entry.Independent);
        TsChecker.Check(segmenter.Window.Snapshot.Segments, video: true);
    }

    [Fact]
    public void Unsupported_codecs_and_frames_without_configuration_are_dropped()
    {
        var segmenter = Create();
        segmenter.BeginPublish();
        Assert.False(segmenter.Write(SyntheticFrames.Video(0, idr: true))); // no sequence header yet
        Assert.False(segmenter.Write(MediaFrame.Create([1, 2, 3], MediaKind.Video, MediaFrameKind.SequenceHeader, 0, videoCodec: VideoCodec.Hevc)));
        Assert.False(segmenter.Write(MediaFrame.Create([1, 2, 3], MediaKind.Audio, MediaFrameKind.Coded, 0, audioCodec: AudioCodec.Opus)));
        Assert.False(segmenter.Write(MediaFrame.Create([0x01, 0x64], MediaKind.Video, MediaFrameKind.SequenceHeader, 0, videoCodec: VideoCodec.H264)));
        Assert.Empty(segmenter.Window.Snapshot.Segments);
    }

    [Fact]
    public void Audio_appearing_later_joins_at_the_next_keyframe()
    {
        var segmenter = Create();
        Configure(segmenter, audio: false);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 3_000, gopFrames: 25, audio: false));
        Feed(segmenter, [SyntheticFrames.AudioConfig(3_000)]);
        Feed(segmenter, SyntheticFrames.Interleaved(3_000, 3_000, gopFrames: 25));
        segmenter.EndPublish();
        var segments = segmenter.Window.Snapshot.Segments;
        Assert.Equal(0x12, segments[0].Data.FirstSpan[188 + 5 + 2]); // PMT with one stream
        Assert.Equal(0x17, segments[^1].Data.FirstSpan[188 + 5 + 2]); // PMT with two streams
        TsChecker.Check(segments, video: true);
    }

    [Fact]
    public void Timestamp_jump_starts_a_discontinuity_and_keeps_the_clock_continuous()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 4_000, gopFrames: 25));
        _time.Advance(TimeSpan.FromSeconds(60));
        Feed(segmenter, SyntheticFrames.Interleaved(600_000, 4_000, gopFrames: 25)); // encoder clock jumps 10 minutes
        segmenter.EndPublish();
        var segments = segmenter.Window.Snapshot.Segments;
        var jumped = Assert.Single(segments, s => s.Entry.Discontinuity);
        Assert.Equal(Start.AddSeconds(60), jumped.Entry.ProgramDateTime);
        Assert.All(segments, s => Assert.InRange(s.Entry.Duration.TotalSeconds, 0.5, 2.1));
        var text = Text(segmenter);
        Assert.Single(text.Split('\n'), l => l == "#EXT-X-DISCONTINUITY");
        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("#EXT-X-PROGRAM-DATE-TIME:", StringComparison.Ordinal)));
        TsChecker.Check(segments, video: true);
    }

    [Fact]
    public void Early_and_negative_timestamps_never_go_negative_and_pts_never_below_dts()
    {
        var segmenter = Create();
        Configure(segmenter);
        // The first keyframe at 1000 ms; audio priming 500 ms earlier; B-frames; a broken negative CTS.
        Feed(segmenter, [SyntheticFrames.Video(1000, idr: true, compositionOffset: 80), SyntheticFrames.Audio(500), SyntheticFrames.Audio(523)]);
        Feed(segmenter, [SyntheticFrames.Video(1040, idr: false, compositionOffset: -200), SyntheticFrames.Video(1040, idr: false, compositionOffset: 40)]);
        Feed(segmenter, SyntheticFrames.Interleaved(1080, 4_000, gopFrames: 50));
        segmenter.EndPublish();
        TsChecker.Check(segmenter.Window.Snapshot.Segments, video: true);
    }

    [Fact]
    public void Restart_continues_sequence_with_a_discontinuity_fresh_date_and_no_endlist()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 4_100, gopFrames: 50));
        segmenter.EndPublish();
        Assert.EndsWith("#EXT-X-ENDLIST\n", Text(segmenter));
        var before = segmenter.Window.Snapshot.Segments.Count;

        _time.Advance(TimeSpan.FromSeconds(30));
        Configure(segmenter);
        Assert.DoesNotContain("ENDLIST", Text(segmenter));
        Feed(segmenter, SyntheticFrames.Interleaved(0, 4_100, gopFrames: 50)); // timestamps restart at 0
        segmenter.EndPublish();
        var segments = segmenter.Window.Snapshot.Segments;
        Assert.Equal(Enumerable.Range(0, segments.Count).Select(i => (long)i), segments.Select(s => s.Sequence));
        var resumed = segments[before];
        Assert.True(resumed.Entry.Discontinuity);
        Assert.Equal(Start.AddSeconds(30), resumed.Entry.ProgramDateTime);
        Assert.Equal(segments[1].Entry.ProgramDateTime, segments[0].Entry.ProgramDateTime + segments[0].Entry.Duration);
        TsChecker.Check(segments, video: true);
    }

    [Fact]
    public void Changed_sequence_header_mid_publish_starts_a_discontinuity_at_the_next_keyframe()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 2_500, gopFrames: 25));
        Feed(segmenter, [SyntheticFrames.VideoConfig(2_500), SyntheticFrames.AudioConfig(2_500)]); // same again: no discontinuity
        var changed = (byte[])SyntheticFrames.AvcRecord.Clone();
        changed[12] = 0xAD; // another SPS
        Feed(segmenter, [MediaFrame.Create(changed, MediaKind.Video, MediaFrameKind.SequenceHeader, 2_500, videoCodec: VideoCodec.H264)]);
        Feed(segmenter, SyntheticFrames.Interleaved(2_500, 3_000, gopFrames: 25));
        segmenter.EndPublish();
        var segments = segmenter.Window.Snapshot.Segments;
        var restarted = Assert.Single(segments, s => s.Entry.Discontinuity);
        // Cut at the first keyframe after the change (2.5 s), though the target had not been reached.
        Assert.Equal(segments[2], restarted);
        Assert.Equal(0.5, segments[1].Entry.Duration.TotalSeconds, 3);
    }

    [Fact]
    public void A_standing_clock_cannot_grow_a_segment_past_the_byte_cap()
    {
        var segmenter = new Segmenter(new SegmentWindow(3, 3, 0), TimeSpan.FromSeconds(2), _time, maxSegmentBytes: 1_000_000);
        Configure(segmenter);
        Feed(segmenter, [SyntheticFrames.Video(0, idr: true, size: 100_000)]);
        for (var i = 0; i < 200; i++)
        {
            Feed(segmenter, [SyntheticFrames.Video(0, idr: false, size: 100_000), SyntheticFrames.Audio(0)]);
        }
        var snapshot = segmenter.Window.Snapshot;
        Assert.Equal(6, snapshot.Segments.Count); // 3 listed + 3 retired: memory bounded by the window
        Assert.All(snapshot.Segments, s => Assert.InRange(s.Data.Length, 1_000_000, 1_000_000 + 110_000));
        Assert.True(snapshot.Segments[^1].Sequence >= 15);
    }

    [Fact]
    public void Blocks_of_dropped_segments_are_reused_so_a_steady_stream_stops_allocating()
    {
        var pool = new SegmentBlockPool();
        var segmenter = new Segmenter(new SegmentWindow(3, 3, 0), TimeSpan.FromSeconds(2), _time, pool: pool);
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 20_000, gopFrames: 50, videoSize: 20_000));
        var allocated = pool.BlocksAllocated;
        var inUse = pool.BlocksInUse;

        Feed(segmenter, SyntheticFrames.Interleaved(20_000, 20_000, gopFrames: 50, videoSize: 20_000));

        Assert.Equal(allocated, pool.BlocksAllocated);
        Assert.Equal(inUse, pool.BlocksInUse);
        // In use: the 3 listed and 3 retired segments of ~1 MB (16 blocks each) and the open one.
        var held = segmenter.Window.Snapshot.Segments.Sum(s => (s.Data.Length + SegmentBlockPool.BlockSize - 1) / SegmentBlockPool.BlockSize);
        Assert.Equal(6, segmenter.Window.Snapshot.Segments.Count);
        Assert.InRange(pool.BlocksInUse - held, 1, 17);
    }

    [Fact]
    public void Muxing_frames_into_pool_blocks_allocates_nothing_once_warm()
    {
        var pool = new SegmentBlockPool();
        var segmenter = new Segmenter(new SegmentWindow(3, 3, 0), TimeSpan.FromSeconds(2), _time, pool: pool);
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 20_000, gopFrames: 50, videoSize: 20_000));
        // The next segment: its opening keyframe cuts (that allocates the finished segment and the new playlist),
        // then a whole GOP is muxed into blocks that dropped segments gave back.
        var frames = SyntheticFrames.Interleaved(20_000, 1_960, gopFrames: 50, videoSize: 20_000).ToList();
        segmenter.Write(frames[0]);
        var allocatedBlocks = pool.BlocksAllocated;
        var inUse = pool.BlocksInUse;

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < frames.Count; i++)
        {
            segmenter.Write(frames[i]);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        foreach (var frame in frames)
        {
            frame.Release();
        }
        Assert.True(pool.BlocksInUse - inUse >= 12, $"{pool.BlocksInUse - inUse} blocks filled");
        Assert.Equal(allocatedBlocks, pool.BlocksAllocated);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Discard_returns_every_block_and_empties_the_playlist()
    {
        var pool = new SegmentBlockPool();
        var segmenter = new Segmenter(new SegmentWindow(3, 3, 0), TimeSpan.FromSeconds(2), _time, pool: pool);
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 9_000, gopFrames: 50, videoSize: 20_000));
        var segment = segmenter.Window.Snapshot.Segments[0];
        Assert.True(pool.BlocksInUse > 20);

        segmenter.Discard();

        Assert.Equal(0, pool.BlocksInUse);
        Assert.False(segmenter.Window.Snapshot.HasPlaylist);
        Assert.Null(segment.TryLease());
    }

    [Fact]
    public void A_gap_that_would_overrun_target_duration_ends_the_segment_there_with_a_discontinuity()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 2_500, gopFrames: 50)); // segment 0 at 0 s, open since 2 s (no IDR yet)
        Feed(segmenter, SyntheticFrames.Interleaved(7_000, 4_100, gopFrames: 50)); // encoder stalled 4.5 s (under the jump threshold)
        segmenter.EndPublish();
        var segments = segmenter.Window.Snapshot.Segments;
        Assert.All(segments, s => Assert.True(Math.Round(s.Entry.Duration.TotalSeconds) <= 2, $"{s.Sequence}: {s.Entry.Duration}"));
        var stalled = segments[1];
        Assert.Equal(2.0, stalled.Entry.Duration.TotalSeconds, 3); // TARGETDURATION
        Assert.Equal(2, TargetDuration(segmenter));
        Assert.False(stalled.Entry.Discontinuity);
        Assert.True(segments[2].Entry.Discontinuity);
        TsChecker.Check(segments, video: true);
    }

    [Fact]
    public void A_long_stall_in_one_track_is_not_a_jump()
    {
        var segmenter = Create();
        Configure(segmenter);
        Feed(segmenter, SyntheticFrames.Interleaved(0, 2_000, gopFrames: 50));
        Feed(segmenter, SyntheticFrames.Interleaved(2_000, 12_000, gopFrames: 50, video: false)); // video stalls 12 s
        Feed(segmenter, SyntheticFrames.Interleaved(14_000, 4_100, gopFrames: 50));
        segmenter.EndPublish();
        var segments = segmenter.Window.Snapshot.Segments;
        Assert.DoesNotContain(segments, s => s.Entry.Discontinuity);
        Assert.All(segments, s => Assert.True(Math.Round(s.Entry.Duration.TotalSeconds) <= 2));
        Assert.Equal(2, TargetDuration(segmenter));
        Assert.Equal(2, segmenter.KeyframeInterval!.Value.TotalSeconds, 3); // the stall is not a GOP
        Assert.Equal(18.1, segments.Sum(s => s.Entry.Duration.TotalSeconds), 1);
        TsChecker.Check(segments, video: true);
    }
}
