using System.Text;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>Enhanced RTMP multitrack messages through a whole session: the default track's frames reach the stream's
/// consumers, every other track is left out and said once, whether it came alone (OneTrack) or with track 0 in one
/// message (ManyTracks).</summary>
public sealed class RtmpSessionMultitrackTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Only_the_default_track_of_multitrack_video_reaches_the_stream()
    {
        var sink = new RecordingMediaSink();
        var liveLogger = new ListLogger<LiveStream>();
        await using var h = new SessionHarness(sink: sink, registry: new LiveStreamRegistry([sink], TimeProvider.System, logger: liveLogger));
        await h.Client.HandshakeAsync();
        var (code, streamId) = await h.Client.PublishAsync("key-cam1");
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        var avc1 = Encoding.ASCII.GetBytes("avc1");

        // Track 0's sequence start (plain enhanced header), then track 1's (OneTrack), which must not replace it.
        await Video(h, streamId, 0, [0x90, .. avc1, 0x01, 0x64, 0x00, 0x1F]);
        await Video(h, streamId, 0, [0x96, 0x00, .. avc1, 0x01, 0x01, 0x4D, 0x00, 0x28]);
        // One message, two tracks: track 1 first, then track 0 (CodedFrames, cts 0), keyframe.
        await Video(h, streamId, 40, [0x96, 0x11, .. avc1, 0x01, 0, 0, 5, 0, 0, 0, 0xA1, 0xA2, 0x00, 0, 0, 5, 0, 0, 0, 0xB1, 0xB2]);
        // Track 1 alone.
        await Video(h, streamId, 80, [0x96, 0x01, .. avc1, 0x01, 0, 0, 0, 0xA3]);
        await Video(h, streamId, 80, [0x91, .. avc1, 0, 0, 0, 0xB3]);

        await RecordingMediaSink.WaitUntilAsync(() => sink.Frames("cam1").Count == 3, Wait, "track 0's frames to arrive");
        var stream = h.Registry.Find("cam1");
        Assert.NotNull(stream);
        var frames = sink.Frames("cam1");
        Assert.All(frames, f => Assert.Equal(0, f.TrackId));
        Assert.Equal(new byte[] { 0x01, 0x64, 0x00, 0x1F }, frames[0].Payload);
        Assert.Equal(new byte[] { 0xB1, 0xB2 }, frames[1].Payload);
        Assert.True(frames[1].IsKeyframe);
        Assert.Equal(new byte[] { 0xB3 }, frames[2].Payload);
        Assert.Equal(new byte[] { 0x01, 0x64, 0x00, 0x1F }, stream.VideoSequenceHeader!.Payload.ToArray());
        Assert.Equal(2, stream.VideoFrames);
        // Track 1's header, its share of the two-track message, and its lone frame.
        Assert.Equal(3, stream.IgnoredTrackFrames);
        var line = Assert.Single(liveLogger.Lines, l => l.Contains("multitrack", StringComparison.Ordinal));
        Assert.Contains("Video track 1", line);
    }

    private static Task Video(SessionHarness h, uint streamId, uint timestamp, byte[] body) =>
        h.Client.SendMessageAsync(6, RtmpMessageType.Video, streamId, timestamp, body);
}
