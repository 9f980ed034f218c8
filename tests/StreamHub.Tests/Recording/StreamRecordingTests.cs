using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Hls.Fmp4;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Recording;
using StreamHub.Tests.Hls.Fmp4;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>One stream's recording on a real (temporary) disk, fed frame by frame as a publisher feeds its live
/// stream.</summary>
public sealed class StreamRecordingTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    // A 64x64 High-profile avcC (SPS + PPS) as x264 writes it: the recording takes the picture size from it.
    private static readonly byte[] AvcRecord = Convert.FromHexString(
        "0164000AFFE100186764000AACD94426C044000003000400000300F03C48965801000668EBE3CB22C0FDF8F800");
    private readonly string _root = Directory.CreateTempSubdirectory("streamhub-streamrec-").FullName;

    /// <summary>A disk thread with no recording sleeps without a period (a server that records nothing does not
    /// wake two threads a hundred times a second), wakes when a recording is added, and sleeps again once it ends.</summary>
    [Fact]
    public async Task A_disk_thread_with_nothing_to_record_sleeps_until_a_recording_is_added()
    {
        var options = new RecordingOptions { Directory = _root, MinFreeMegabytes = 0, WriterThreads = 1 };
        var store = new RecordingStore(Options.Create(options), Options.Create(new ServerOptions()), TimeProvider.System,
            NullLogger<RecordingStore>.Instance);
        using var disk = new RecordingDisk(Options.Create(options));
        // A period is 10 ms (a 25th of 250 ms): half a second of periods would be about 50 passes.
        await Task.Delay(500);
        var idle = disk.PassesPerThread[0];
        Assert.True(idle <= 2, $"{idle} passes with nothing to record");

        var stream = new LiveStream("idle", new PublisherInfo("test", "127.0.0.1:1", null), DateTimeOffset.UtcNow, []);
        var recording = new StreamRecording(stream, options, store, disk, 0, TimeProvider.System, NullLogger.Instance, new RecordingCounters());
        recording.Start();
        Publish(stream, MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264));
        for (var i = 0; i < 5; i++)
        {
            Publish(stream, Video(i * 40, idr: i == 0, size: 1000, fill: (byte)i));
        }
        await Task.Delay(300);
        var recordingPasses = disk.PassesPerThread[0] - idle;
        Assert.True(recordingPasses >= 10, $"{recordingPasses} passes in 300 ms with a recording to drain");
        stream.End();
        await recording.Completion.WaitAsync(Limit);
        Assert.Equal(5, Fmp4File.Read(File.ReadAllBytes(Assert.Single(store.Files("idle")).FullName)).Samples(1).Count());

        var deadline = DateTime.UtcNow + Limit;
        while (disk.RecordingsPerThread[0] != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        var ended = disk.PassesPerThread[0];
        await Task.Delay(500);
        Assert.True(disk.PassesPerThread[0] - ended <= 2, $"{disk.PassesPerThread[0] - ended} passes after the recording ended");
    }

    /// <summary>A recording copies what it takes and lets the frame go at once: a fragment's frames do not stay out of
    /// the publisher's pool until the fragment is written (seconds later: 200 recorded streams held ~30,000 pooled
    /// arrays, far more than the pool keeps, and every publisher's rent allocated a new one). The file still holds every
    /// frame's bytes, in order.</summary>
    [Fact]
    public async Task Frames_go_back_to_the_pool_as_the_recording_takes_them_and_the_file_holds_their_bytes_in_order()
    {
        var options = new RecordingOptions { Directory = _root, MinFreeMegabytes = 0, WriterThreads = 1 };
        var store = new RecordingStore(Options.Create(options), Options.Create(new ServerOptions()), TimeProvider.System,
            NullLogger<RecordingStore>.Instance);
        using var disk = new RecordingDisk(Options.Create(options));
        var stream = new LiveStream("release", new PublisherInfo("test", "127.0.0.1:1", null), DateTimeOffset.UtcNow, []);
        var recording = new StreamRecording(stream, options, store, disk, 0, TimeProvider.System, NullLogger.Instance, new RecordingCounters());
        recording.Start();

        Publish(stream, MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264));
        Publish(stream, SyntheticFrames.AudioConfig());
        var sent = new List<byte[]>();
        var frames = new List<MediaFrame>();
        // One second of one GOP: the fragment is not cut (and was not written) before the next keyframe.
        for (var i = 0; i < 25; i++)
        {
            var video = Video(i * 40, idr: i == 0, size: 3000 + i, fill: (byte)i);
            sent.Add(video.Payload.ToArray());
            frames.Add(video);
            Publish(stream, video);
            frames.Add(Publish(stream, SyntheticFrames.Audio(i * 40 + 3)));
        }

        // The next keyframe (which also hands the recording the audio the stream held for it).
        var next = Video(1000, idr: true, size: 500, fill: 0xAA);
        sent.Add(next.Payload.ToArray());
        Publish(stream, next);

        // The publisher has let go of its references: the recording's were the last.
        var deadline = DateTime.UtcNow + Limit;
        while (frames.Any(f => !f.Payload.IsEmpty) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, frames.Count(f => !f.Payload.IsEmpty));
        stream.End();
        await recording.Completion.WaitAsync(Limit);

        Assert.Equal(RecordingStatus.Idle, recording.Status());
        var file = Fmp4File.Read(File.ReadAllBytes(Assert.Single(store.Files("release")).FullName));
        var recorded = file.Samples(1).Select(s => file.SampleBytes(s.Fragment, s.Sample).ToArray()).ToList();
        Assert.Equal(sent.Count, recorded.Count);
        Assert.All(sent.Zip(recorded), pair => Assert.Equal(pair.First, pair.Second));
        Assert.Equal(25, file.Samples(2).Count());
    }

    /// <summary>Recordings on a filesystem that refuses O_DIRECT are written through the page cache: each file holds
    /// its frames, and the log says so once (naming the folder and why), not once per file.</summary>
    [Fact]
    public async Task Where_O_DIRECT_is_refused_the_recordings_are_written_buffered_and_the_log_says_so_once()
    {
        await using var ramfs = await RamFs.MountAsync();
        var options = new RecordingOptions { Directory = ramfs.Path, MinFreeMegabytes = 0, WriterThreads = 1 };
        var log = new ListLogger<RecordingStore>();
        var store = new RecordingStore(Options.Create(options), Options.Create(new ServerOptions()), TimeProvider.System, log);
        using var disk = new RecordingDisk(Options.Create(options));
        foreach (var name in new[] { "ram1", "ram2" })
        {
            var stream = new LiveStream(name, new PublisherInfo("test", "127.0.0.1:1", null), DateTimeOffset.UtcNow, []);
            var recording = new StreamRecording(stream, options, store, disk, 0, TimeProvider.System, NullLogger.Instance, new RecordingCounters());
            recording.Start();
            Publish(stream, MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264));
            var sent = new List<byte[]>();
            for (var i = 0; i < 30; i++)
            {
                var video = Video(i * 40, idr: i % 10 == 0, size: 2000 + 37 * i, fill: (byte)i);
                sent.Add(video.Payload.ToArray());
                Publish(stream, video);
            }
            stream.End();
            await recording.Completion.WaitAsync(Limit);

            var path = Assert.Single(store.Files(name)).FullName;
            var file = Fmp4File.Read(File.ReadAllBytes(path));
            var recorded = file.Samples(1).Select(s => file.SampleBytes(s.Fragment, s.Sample).ToArray()).ToList();
            Assert.Equal(sent.Count, recorded.Count);
            Assert.All(sent.Zip(recorded), pair => Assert.Equal(pair.First, pair.Second));
        }
        var said = Assert.Single(log.Lines, l => l.Contains("O_DIRECT"));
        Assert.Contains(ramfs.Path, said);
        Assert.Contains("EINVAL", said);
    }

    /// <summary>Every recording is drained by the disk threads on their own schedule: twenty recordings on one
    /// thread, none of them woken by its subscription (no task, wake-up or timer per recording), and each file holds
    /// its stream's frames.</summary>
    [Fact]
    public async Task One_disk_thread_drains_many_recordings_and_no_subscription_wakes_a_reader()
    {
        var options = new RecordingOptions { Directory = _root, MinFreeMegabytes = 0, WriterThreads = 1 };
        var store = new RecordingStore(Options.Create(options), Options.Create(new ServerOptions()), TimeProvider.System,
            NullLogger<RecordingStore>.Instance);
        using var disk = new RecordingDisk(Options.Create(options));
        var streams = new List<(LiveStream Stream, StreamRecording Recording, List<byte[]> Sent)>();
        for (var s = 0; s < 20; s++)
        {
            var stream = new LiveStream($"many{s}", new PublisherInfo("test", "127.0.0.1:1", null), DateTimeOffset.UtcNow, []);
            var recording = new StreamRecording(stream, options, store, disk, 0, TimeProvider.System, NullLogger.Instance, new RecordingCounters());
            recording.Start();
            Publish(stream, MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264));
            Publish(stream, SyntheticFrames.AudioConfig());
            streams.Add((stream, recording, []));
        }
        Assert.Equal([20], disk.RecordingsPerThread);
        for (var i = 0; i < 60; i++)
        {
            foreach (var (stream, _, sent) in streams)
            {
                var video = Video(i * 40, idr: i % 25 == 0, size: 1000 + 7 * i, fill: (byte)i);
                sent.Add(video.Payload.ToArray());
                Publish(stream, video);
                Publish(stream, SyntheticFrames.Audio(i * 40 + 3));
            }
        }
        foreach (var (stream, _, _) in streams)
        {
            stream.End();
        }
        await Task.WhenAll(streams.Select(s => s.Recording.Completion)).WaitAsync(Limit);

        Assert.Equal([0], disk.RecordingsPerThread);
        foreach (var (stream, recording, sent) in streams)
        {
            Assert.Equal(0, recording.WakeUps);
            var file = Fmp4File.Read(File.ReadAllBytes(Assert.Single(store.Files(stream.Name)).FullName));
            var recorded = file.Samples(1).Select(s => file.SampleBytes(s.Fragment, s.Sample).ToArray()).ToList();
            Assert.Equal(sent.Count, recorded.Count);
            Assert.All(sent.Zip(recorded), pair => Assert.Equal(pair.First, pair.Second));
            Assert.Equal(60, file.Samples(2).Count());
        }
    }

    /// <summary>A disk thread blocked in a write (a stalled disk) holds up only the recordings on it: the publisher
    /// goes on, a player on the same stream gets every frame meanwhile, and the recording catches up from its queue
    /// once the disk comes back.</summary>
    [Fact]
    public async Task A_disk_thread_blocked_in_a_write_delays_the_recordings_on_it_and_never_the_live_stream()
    {
        var options = new RecordingOptions { Directory = _root, MinFreeMegabytes = 0, WriterThreads = 1 };
        var store = new RecordingStore(Options.Create(options), Options.Create(new ServerOptions()), TimeProvider.System,
            NullLogger<RecordingStore>.Instance);
        using var disk = new RecordingDisk(Options.Create(options));
        using var stalled = new StalledRecording();
        disk.Add(stalled);
        Assert.True(stalled.Entered.Wait(Limit));

        var stream = new LiveStream("stalled", new PublisherInfo("test", "127.0.0.1:1", null), DateTimeOffset.UtcNow, []);
        var recording = new StreamRecording(stream, options, store, disk, 0, TimeProvider.System, NullLogger.Instance, new RecordingCounters());
        recording.Start();
        using var player = stream.Subscribe(new SubscriptionOptions("player", StartsGopCache: false));
        Publish(stream, MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264));
        var sent = new List<byte[]>();
        var played = 0;
        for (var i = 0; i < 100; i++)
        {
            var video = Video(i * 40, idr: i % 25 == 0, size: 800 + i, fill: (byte)i);
            sent.Add(video.Payload.ToArray());
            Publish(stream, video);
            while (player.TryRead(out var item))
            {
                if (item.Frame is { FrameKind: MediaFrameKind.Coded } frame)
                {
                    played++;
                }
                item.Frame?.Release();
            }
        }

        // The player had every frame as it was published; the recording, on the blocked thread, has not started a file.
        Assert.Equal(100, played);
        Assert.Empty(store.Files("stalled"));
        Assert.Equal(RecordingState.Recording, recording.Status().State);

        stalled.Release();
        stream.End();
        await recording.Completion.WaitAsync(Limit);
        var file = Fmp4File.Read(File.ReadAllBytes(Assert.Single(store.Files("stalled")).FullName));
        var recorded = file.Samples(1).Select(s => file.SampleBytes(s.Fragment, s.Sample).ToArray()).ToList();
        Assert.Equal(sent.Count, recorded.Count);
        Assert.All(sent.Zip(recorded), pair => Assert.Equal(pair.First, pair.Second));
        Assert.Equal(0, recording.Status().Gaps);
    }

    /// <summary>The recording copies each video payload once, into the buffer its fragment is written from, after room
    /// guessed for the fragment's header; what the header leaves of it stays in the <c>mdat</c> before the samples. The
    /// file holds what the two-copy writer makes (every payload kept, then each fragment written whole): the same init
    /// segment and, fragment by fragment, the same samples (timing, flags, bytes); the fragments follow one another
    /// from the init segment to the file's end. GOPs that grow (the header outgrows its room: the payloads move) and
    /// shrink (padding), with and without O_DIRECT.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_one_copy_recording_holds_the_samples_the_two_copy_writer_writes_fragment_by_fragment(bool directIo)
    {
        var options = new RecordingOptions { Directory = _root, MinFreeMegabytes = 0, WriterThreads = 1, DirectIo = directIo };
        var store = new RecordingStore(Options.Create(options), Options.Create(new ServerOptions()), TimeProvider.System,
            NullLogger<RecordingStore>.Instance);
        using var disk = new RecordingDisk(Options.Create(options));
        var stream = new LiveStream("onecopy", new PublisherInfo("test", "127.0.0.1:1", null), DateTimeOffset.UtcNow, []);
        var recording = new StreamRecording(stream, options, store, disk, 0, TimeProvider.System, NullLogger.Instance, new RecordingCounters());
        recording.Start();

        Publish(stream, MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264));
        Publish(stream, SyntheticFrames.AudioConfig());
        var videoHeader = MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264);
        var audioHeader = SyntheticFrames.AudioConfig();
        var frames = new List<MediaFrame>();
        var dts = 0L;
        foreach (var gop in new[] { 30, 5, 40, 41, 12, 12, 48, 3, 25 })
        {
            for (var i = 0; i < gop; i++, dts += 40)
            {
                frames.Add(Video(dts, idr: i == 0, size: 700 + (int)(dts % 997), fill: (byte)(dts / 40)));
                frames.Add(SyntheticFrames.Audio(dts + 5, size: 150 + (int)(dts % 61)));
            }
        }

        // The oracle: the writer keeping copies of the payloads and writing each fragment whole, cut at each keyframe.
        var expected = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.True(Fmp4Track.TryCreate(videoHeader, out var videoTrack, stream.Video?.Width ?? 0, stream.Video?.Height ?? 0)
            || Fmp4Track.TryCreate(videoHeader, out videoTrack));
        Assert.True(Fmp4Track.TryCreate(audioHeader, out var audioTrack));
        using (var oracle = new Fmp4SegmentWriter(videoTrack, audioTrack, copyPayloads: true))
        {
            oracle.WriteInitSegment(expected);
            foreach (var frame in frames)
            {
                if (frame.Kind == MediaKind.Video && frame.IsKeyframe && oracle.PendingBytes > 0)
                {
                    oracle.WriteFragment(expected, frame.Dts, Fmp4SegmentWriter.NoTimestamp);
                }
                oracle.Add(frame);
            }
            oracle.WriteFragment(expected);
        }

        foreach (var frame in frames)
        {
            Publish(stream, frame);
        }
        stream.End();
        await recording.Completion.WaitAsync(Limit);

        var path = Assert.Single(store.Files("onecopy")).FullName;
        var bytes = await File.ReadAllBytesAsync(path);
        var recorded = Fmp4File.Read(bytes);
        var oracleFile = Fmp4File.Read(expected.WrittenSpan.ToArray());
        var info = RecordingReader.Read(path);
        Assert.Equal(expected.WrittenSpan[..(int)info.InitLength].ToArray(), bytes.AsSpan(0, (int)info.InitLength).ToArray());
        Assert.Equal(9, recorded.Fragments.Count);
        Assert.Equal(oracleFile.Fragments.Select(f => f.SequenceNumber), recorded.Fragments.Select(f => f.SequenceNumber));
        foreach (var track in new uint[] { 1, 2 })
        {
            var want = oracleFile.Samples(track).ToList();
            var got = recorded.Samples(track).ToList();
            Assert.Equal(want.Count, got.Count);
            for (var i = 0; i < want.Count; i++)
            {
                Assert.Equal(want[i].Sample with { DataOffset = 0 }, got[i].Sample with { DataOffset = 0 });
                Assert.True(oracleFile.SampleBytes(want[i].Fragment, want[i].Sample).SequenceEqual(recorded.SampleBytes(got[i].Fragment, got[i].Sample)));
            }
        }
        // Some fragments kept room their header did not take: the mdat holds more than its samples.
        Assert.Contains(recorded.Fragments, f => f.Mdat.Size > 8 + f.Tracks.Sum(t => t.Samples.Sum(x => (long)x.Size)));
        Assert.Equal(9, info.Fragments.Count);
        Assert.Equal(info.InitLength, info.Fragments[0].Offset);
        Assert.All(info.Fragments.Zip(info.Fragments.Skip(1)), pair => Assert.Equal(pair.First.Offset + pair.First.Length, pair.Second.Offset));
        Assert.Equal(bytes.Length, info.Fragments[^1].Offset + info.Fragments[^1].Length);
    }

    /// <summary>A recording whose first pump blocks until released, as a write to a stalled disk does.</summary>
    private sealed class StalledRecording : IPumpedRecording, IDisposable
    {
        private readonly ManualResetEventSlim _released = new();

        public ManualResetEventSlim Entered { get; } = new();

        public bool Pump(bool stopping)
        {
            Entered.Set();
            _released.Wait();
            return false;
        }

        public void Release() => _released.Set();

        public void Dispose()
        {
            _released.Set();
            _released.Dispose();
            Entered.Dispose();
        }
    }

    /// <summary>One H.264 NAL unit (AVCC) whose bytes after its header are all <paramref name="fill"/>.</summary>
    private static MediaFrame Video(long dts, bool idr, int size, byte fill)
    {
        var payload = new byte[4 + size];
        payload.AsSpan(5).Fill(fill);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, size);
        payload[4] = idr ? (byte)0x65 : (byte)0x41;
        return MediaFrame.Create(payload, MediaKind.Video, MediaFrameKind.Coded, dts, 0, idr, VideoCodec.H264);
    }

    /// <summary>As the RTMP session does: the stream gets the frame, then the publisher releases its own reference.</summary>
    private static MediaFrame Publish(LiveStream stream, MediaFrame frame)
    {
        stream.Write(frame);
        frame.Release();
        return frame;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
