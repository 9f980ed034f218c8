using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Media;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Client;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Handshake;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp.EndToEnd;

namespace StreamHub.Tests.Rtmp.Client;

/// <summary><see cref="RtmpPublishClient"/> against the real server over a real socket: what it publishes is live in
/// the API, reaches the sink frame for frame and is packaged as HLS; refusals arrive as typed exceptions.</summary>
public sealed class RtmpPublishClientTests(RtmpHostFixture fixture) : IClassFixture<RtmpHostFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly RtmpClientOptions Options = new() { FlashVersion = "StreamHub client test/1.0" };

    [Fact]
    public async Task Publish_is_accepted_and_the_stream_is_live_in_the_api_in_the_sink_and_as_HLS_until_unpublished()
    {
        var (name, key) = await fixture.Host.CreateStreamAsync("client");
        var port = fixture.Host.RtmpPort;
        // "localhost" goes through name resolution; every address it gives is tried (the server listens on IPv4 only).
        await using var client = await RtmpPublishClient.ConnectAsync("localhost", port, Options);

        var handshake = await client.HandshakeAsync();
        Assert.Equal(HandshakeScheme.Simple, handshake.Scheme);
        Assert.Equal(handshake.C1, handshake.S2); // the simple scheme echoes C1
        await client.SetChunkSizeAsync(4096);
        var connected = await client.ConnectAppAsync("live", $"rtmp://localhost:{port}/live");
        Assert.Equal(RtmpStatusCodes.ConnectSuccess, ((AmfObject)connected.Arguments[0]!).GetString("code"));
        var streamId = await client.PublishAsync(key);
        Assert.Equal(RtmpPublishClientState.Publishing, client.State);
        Assert.Equal(streamId, client.StreamId);
        Assert.True(streamId >= 1);

        // 4 s of 25 fps video (a keyframe every second, frames larger than a chunk) and 44.1 kHz AAC, sent at once.
        var metadata = new ArrayBufferWriter<byte>();
        Amf0Writer.WriteString(metadata, CommandNames.SetDataFrame);
        Amf0Writer.WriteString(metadata, CommandNames.OnMetaData);
        Amf0Writer.WriteValue(metadata, new AmfObject { IsEcmaArray = true, ["width"] = 320.0, ["height"] = 240.0 });
        await client.WriteDataAsync(0, metadata.WrittenMemory);
        await client.WriteVideoAsync(0, TestRtmpClient.AvcBody(true, 0, 0, SyntheticFrames.AvcRecord));
        await client.WriteAudioAsync(0, (byte[])[0xAF, 0, .. SyntheticFrames.AacConfig]);
        const int videoFrames = 100;
        var audioFrames = 0;
        for (var i = 0; i < videoFrames; i++)
        {
            var timestamp = (uint)(i * 40);
            var idr = i % 25 == 0;
            // One length-prefixed NAL unit: 4 + 5996 bytes.
            byte[] nal = [0, 0, 0x17, 0x6C, (byte)(idr ? 0x65 : 0x41), .. new byte[5995]];
            nal[5] = (byte)i;
            await client.WriteVideoAsync(timestamp, TestRtmpClient.AvcBody(idr, 1, 0, nal));
            for (; audioFrames * SyntheticFrames.AacFrameMs < timestamp + 40; audioFrames++)
            {
                await client.WriteAudioAsync((uint)(audioFrames * SyntheticFrames.AacFrameMs), (byte[])[0xAF, 1, 0x21, (byte)audioFrames]);
            }
        }

        using var api = fixture.Host.CreateHttpClient();
        var live = await WaitForStreamAsync(api, name, s => s.GetProperty("isLive").GetBoolean()
            && s.GetProperty("live").GetProperty("videoFrames").GetInt64() == videoFrames);
        Assert.Equal(Options.FlashVersion, live.GetProperty("live").GetProperty("encoder").GetString());
        Assert.StartsWith("127.0.0.1:", live.GetProperty("live").GetProperty("publisherAddress").GetString());

        var video = fixture.Sink.Frames(name).Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(Enumerable.Range(0, videoFrames).Select(i => i * 40L), video.Select(f => f.Dts));
        Assert.Equal(Enumerable.Range(0, 4).Select(i => i * 1000L), video.Where(f => f.IsKeyframe).Select(f => f.Dts));
        Assert.All(video, f => Assert.Equal(6000, f.Payload.Length));
        Assert.Equal(audioFrames, fixture.Sink.Frames(name).Count(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded));

        // Segments are cut at keyframes at least 2 s apart: the one from 0 to 2 s is complete.
        using var player = fixture.Host.CreateHttpClient(withAdminKey: false);
        var playlist = await WaitForPlaylistAsync(player, name);
        Assert.Contains("#EXTINF:", playlist, StringComparison.Ordinal);

        await client.UnpublishAsync();
        Assert.Equal(RtmpPublishClientState.Connected, client.State);
        Assert.Equal(0u, client.StreamId);
        await fixture.Sink.WaitForEndAsync(name, Wait);
        await WaitForStreamAsync(api, name, s => !s.GetProperty("isLive").GetBoolean());
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_BadName_and_the_key_stays_out_of_the_message()
    {
        await using var client = await RtmpPublishClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, fixture.Host.RtmpPort), Options);
        await client.HandshakeAsync();
        await client.ConnectAppAsync("live", $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live");

        var refused = await Assert.ThrowsAsync<RtmpClientException>(() => client.PublishAsync("secret-not-a-key"));

        Assert.Equal(RtmpClientError.PublishRefused, refused.Error);
        Assert.Equal(RtmpStatusCodes.PublishBadName, refused.StatusCode);
        Assert.Equal("Unknown stream key.", refused.Description);
        Assert.Contains(RtmpStatusCodes.PublishBadName, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", refused.Message, StringComparison.Ordinal);
        Assert.Equal(RtmpPublishClientState.Connected, client.State);
        // The server closes the connection after a refusal, so an encoder fails at once.
        using var closed = new CancellationTokenSource(Wait);
        while (await client.ReadMessageAsync(closed.Token) is not null)
        {
        }
    }

    [Fact]
    public async Task A_stream_already_live_is_refused_while_the_first_publisher_carries_on()
    {
        var (name, key) = await fixture.Host.CreateStreamAsync("client-twice");
        await using var first = await PublishAsync(key);
        await using var second = await RtmpPublishClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, fixture.Host.RtmpPort), Options);
        await second.HandshakeAsync();
        await second.ConnectAppAsync("live", $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live");

        var refused = await Assert.ThrowsAsync<RtmpClientException>(() => second.PublishAsync(key));

        Assert.Equal(RtmpStatusCodes.PublishBadName, refused.StatusCode);
        Assert.Equal("Stream is already being published.", refused.Description);
        await first.WriteVideoAsync(0, TestRtmpClient.AvcBody(true, 1, 0, [0, 0, 0, 1, 0x65]));
        await RecordingMediaSink.WaitUntilAsync(() => fixture.Sink.Frames(name).Count == 1, Wait, "the first publisher's frame");
    }

    [Fact]
    public async Task A_wrong_application_is_rejected_at_connect()
    {
        await using var client = await RtmpPublishClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, fixture.Host.RtmpPort), Options);
        await client.HandshakeAsync(HandshakeScheme.Digest0);

        var refused = await Assert.ThrowsAsync<RtmpClientException>(() => client.ConnectAppAsync("elsewhere", "rtmp://127.0.0.1/elsewhere"));

        Assert.Equal(RtmpClientError.ConnectRejected, refused.Error);
        Assert.Equal(RtmpStatusCodes.ConnectRejected, refused.StatusCode);
        Assert.Equal(CommandNames.Error, refused.Reply?.Name);
        Assert.Equal(RtmpPublishClientState.AwaitingConnect, client.State);
    }

    private async Task<RtmpPublishClient> PublishAsync(string key)
    {
        var client = await RtmpPublishClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, fixture.Host.RtmpPort), Options);
        await client.HandshakeAsync();
        await client.ConnectAppAsync("live", $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live");
        await client.PublishAsync(key);
        return client;
    }

    private static async Task<JsonElement> WaitForStreamAsync(HttpClient api, string name, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        JsonElement stream;
        do
        {
            stream = await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}");
            if (condition(stream))
            {
                return stream;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"{name} never reached the expected state: {stream}");
        return stream;
    }

    private static Task<string> WaitForPlaylistAsync(HttpClient player, string name) => PlaylistWait.UntilSegmentAsync(player, name, Wait);
}
