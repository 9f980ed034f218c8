using System.Diagnostics;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>A player that joins a stream someone already watches starts from the GOP cache: the play conversation in
/// order, then its first keyframe well under a second after it asked (the stream's GOP is 1 s, so waiting for the next
/// keyframe instead would take up to 1 s).</summary>
[Collection(PlaybackCollection.Name)]
public sealed class FirstKeyframeTests(PlaybackServerFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task A_player_joining_mid_stream_gets_its_first_keyframe_within_500_ms()
    {
        // Another player is attached, so the stream keeps its GOP cache whatever ran before.
        await using var watcher = await RtmpPlayClient.ConnectAsync(fixture.Server.RtmpPort);
        Assert.Equal(RtmpStatusCodes.PlayReset, await watcher.PlayAsync(fixture.Name));
        Assert.NotNull(await watcher.ReadUntilAsync(RtmpPlayClient.IsCodedKeyframe, TimeSpan.FromSeconds(5)));

        var delays = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            await using var player = await RtmpPlayClient.ConnectAsync(fixture.Server.RtmpPort);
            Assert.Equal(RtmpStatusCodes.PlayReset, await player.PlayAsync(fixture.Name));
            var first = await player.ReadUntilAsync(RtmpPlayClient.IsCodedKeyframe, TimeSpan.FromSeconds(5));
            Assert.NotNull(first);
            delays.Add(Stopwatch.GetElapsedTime(player.PlaySentAt, first.Value.At).TotalMilliseconds);

            // What came before it, in order: Play.Start, |RtmpSampleAccess, onMetaData, the AVC sequence header.
            var received = player.Client.Received;
            var codes = received.Where(m => m.Type == RtmpMessageType.Amf0Command).Select(Describe).ToList();
            Assert.Contains(RtmpStatusCodes.PlayStart, codes);
            var data = received.Where(m => m.Type == RtmpMessageType.Amf0Data).Select(Describe).ToList();
            Assert.Equal(["|RtmpSampleAccess", "onMetaData"], data.Take(2));
            var header = received.FindIndex(RtmpPlayClient.IsVideoSequenceHeader);
            Assert.InRange(header, 0, received.IndexOf(first.Value.Message) - 1);
            Assert.All(received.Where(m => m.Type is RtmpMessageType.Video or RtmpMessageType.Audio), m => Assert.Equal(player.StreamId, m.StreamId));
            // The keyframe leads the GOP: nothing later than it was sent before it.
            Assert.DoesNotContain(received.TakeWhile(m => m != first.Value.Message),
                m => m.Type == RtmpMessageType.Video && m.Payload.Length > 1 && m.Payload[1] == 1);
        }
        output.WriteLine($"play → first keyframe: {string.Join(", ", delays.Select(d => $"{d:F0} ms"))}");
        Assert.All(delays, d => Assert.True(d < Limit.TotalMilliseconds, $"first keyframe after {d:F0} ms"));
    }

    /// <summary>A command's onStatus code, or a data message's name.</summary>
    private static string Describe(ReceivedMessage message)
    {
        var payload = new System.Buffers.ReadOnlySequence<byte>(message.Payload);
        if (message.Type == RtmpMessageType.Amf0Data)
        {
            return (string)AmfMessageReader.ReadValues(payload, false, 16)[0]!;
        }
        var command = AmfMessageReader.ReadCommand(payload, false, 16);
        return RtmpPlayClient.StatusCode(command) ?? command.Name;
    }
}
