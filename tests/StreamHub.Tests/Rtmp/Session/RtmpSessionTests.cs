using System.Buffers;
using System.Buffers.Binary;
using StreamHub.Media;
using StreamHub.Rtmp;
using StreamHub.Tests.Media.Av1;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Handshake;
using StreamHub.Rtmp.Messages;
using StreamHub.StreamKeys;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>Whole conversations with <see cref="StreamHub.Rtmp.Session.RtmpSession"/> over in-memory pipes.</summary>
public sealed class RtmpSessionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly byte[] AvcConfig = [0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1F, 0x01, 0x00, 0x02, 0x68, 0xEE];
    private static readonly byte[] AacConfig = [0x12, 0x10];

    [Fact]
    public async Task Good_publish_gets_connect_replies_publish_start_and_delivers_frames()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (code, streamId) = await h.Client.PublishAsync("key-cam1");

        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        var types = h.Client.Received.Select(m => m.Type).ToList();
        var winAck = h.Client.Received.First(m => m.Type == RtmpMessageType.WindowAcknowledgementSize);
        Assert.Equal(2_500_000u, winAck.UInt32());
        Assert.Equal(2, h.Client.Received.First(m => m.Type == RtmpMessageType.SetPeerBandwidth).Payload[4]);
        Assert.Equal(4096u, h.Client.Received.First(m => m.Type == RtmpMessageType.SetChunkSize).UInt32());
        Assert.True(types.IndexOf(RtmpMessageType.SetChunkSize) < types.IndexOf(RtmpMessageType.Amf0Command));
        var streamBegin = h.Client.Received.Single(m => m.Type == RtmpMessageType.UserControl);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(streamBegin.Payload));
        Assert.Equal(streamId, streamBegin.UInt32(2));
        var onStatus = h.Client.Received.Last();
        Assert.Equal(streamId, onStatus.StreamId);

        await h.Client.SendMetadataAsync(streamId, new AmfObject { IsEcmaArray = true, ["width"] = 320.0, ["height"] = 240.0, ["encoder"] = "test" });
        await h.Client.SendAvcAsync(streamId, 0, true, 0, 0, AvcConfig);
        await h.Client.SendAacAsync(streamId, 0, 0, AacConfig);
        for (var i = 0; i < 10; i++)
        {
            await h.Client.SendAvcAsync(streamId, (uint)(i * 40), i % 5 == 0, 1, 80, [0, 0, 0, 2, 0x65, (byte)i]);
            await h.Client.SendAacAsync(streamId, (uint)(i * 23), 1, [0x21, (byte)i]);
        }
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 22);
        var live = h.Registry.Find("cam1");
        Assert.NotNull(live);
        Assert.Equal(320.0, live.Metadata["width"]);
        Assert.Equal("test", live.Metadata["encoder"]);
        Assert.Equal("FMLE/3.0 (compatible; StreamHub test)", live.Publisher.Encoder);

        await h.Client.SendCommandAsync(0, CommandNames.FcUnpublish, 6, null, "key-cam1");
        await h.Client.SendCommandAsync(0, CommandNames.DeleteStream, 7, null, (double)streamId);
        await h.Sink.WaitForEndAsync("cam1", Wait);
        Assert.Null(h.Registry.Find("cam1"));

        var frames = h.Sink.Frames("cam1");
        var videoHeader = frames.Single(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.SequenceHeader);
        Assert.Equal(AvcConfig, videoHeader.Payload);
        Assert.Equal(VideoCodec.H264, videoHeader.VideoCodec);
        var audioHeader = frames.Single(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.SequenceHeader);
        Assert.Equal(AacConfig, audioHeader.Payload);
        Assert.Equal(AudioCodec.Aac, audioHeader.AudioCodec);
        var video = frames.Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i * 40), video.Select(f => f.Dts));
        Assert.All(video, f => Assert.Equal(f.Dts + 80, f.Pts));
        Assert.Equal([true, false, false, false, false, true, false, false, false, false], video.Select(f => f.IsKeyframe));
        Assert.Equal(new byte[] { 0, 0, 0, 2, 0x65, 3 }, video[3].Payload);
        var audio = frames.Where(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i * 23), audio.Select(f => f.Dts));
        Assert.Equal(new byte[] { 0x21, 7 }, audio[7].Payload);
        Assert.Contains(h.Logger.Lines, l => l.Contains("publishing stream cam1") && l.Contains("conn-test") && l.Contains("127.0.0.1:5000"));
        Assert.DoesNotContain(h.Logger.Lines, l => l.Contains("key-cam1"));
    }

    [Fact]
    public async Task Unknown_key_gets_BadName_error_status_then_close_and_is_not_logged()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (code, _) = await h.Client.PublishAsync("secret-wrong-key");

        Assert.Equal(RtmpStatusCodes.PublishBadName, code);
        var status = AmfMessageReader.ReadCommand(new ReadOnlySequence<byte>(h.Client.Received.Last().Payload), false, 16);
        Assert.Equal("error", ((AmfObject)status.Arguments[0]!).GetString("level"));
        Assert.True(await h.Client.WaitForCloseAsync(Wait));
        Assert.Null(await h.EndAsync());
        Assert.Contains(h.Logger.Lines, l => l.Contains("unknown stream key") && l.Contains("127.0.0.1:5000"));
        Assert.DoesNotContain(h.Logger.Lines, l => l.Contains("secret-wrong-key"));
        Assert.Empty(h.Registry.All);
    }

    [Fact]
    public async Task Expired_key_gets_Denied_and_log_names_the_stream_not_the_key()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (code, _) = await h.Client.PublishAsync("key-old");

        Assert.Equal(RtmpStatusCodes.PublishDenied, code);
        Assert.True(await h.Client.WaitForCloseAsync(Wait));
        Assert.Contains(h.Logger.Lines, l => l.Contains("stream old") && l.Contains("expired"));
        Assert.DoesNotContain(h.Logger.Lines, l => l.Contains("key-old"));
    }

    [Fact]
    public async Task Second_publisher_of_a_live_stream_is_refused_while_the_first_carries_on()
    {
        await using var first = new SessionHarness();
        await using var second = new SessionHarness(registry: first.Registry, sink: first.Sink, authorizer: first.Authorizer);
        await first.Client.HandshakeAsync();
        var (code1, id1) = await first.Client.PublishAsync("key-cam1");
        Assert.Equal(RtmpStatusCodes.PublishStart, code1);

        await second.Client.HandshakeAsync();
        var (code2, _) = await second.Client.PublishAsync("key-cam1");
        Assert.Equal(RtmpStatusCodes.PublishBadName, code2);
        Assert.True(await second.Client.WaitForCloseAsync(Wait));
        Assert.Contains(second.Logger.Lines, l => l.Contains("stream cam1") && l.Contains("already live"));

        await first.Client.SendAvcAsync(id1, 0, true, 0, 0, AvcConfig);
        await first.Client.SendAvcAsync(id1, 40, true, 1, 0, [0, 0, 0, 1, 0x65]);
        await RecordingWait(() => first.Sink.Frames("cam1").Count == 2);
        Assert.Same(first.Session.Stream, first.Registry.Find("cam1"));
    }

    [Fact]
    public async Task Wrong_application_is_refused_at_connect()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var reply = await h.Client.ConnectAppAsync("other");

        Assert.NotNull(reply);
        Assert.Equal(CommandNames.Error, reply.Name);
        Assert.Equal(RtmpStatusCodes.ConnectRejected, ((AmfObject)reply.Arguments[0]!).GetString("code"));
        Assert.True(await h.Client.WaitForCloseAsync(Wait));
        Assert.Contains(h.Logger.Lines, l => l.Contains("refused at connect") && l.Contains("'live'"));
    }

    [Theory]
    [InlineData("Live")]
    [InlineData("LIVE")]
    [InlineData("live/")]
    [InlineData("Live?token=x")]
    public async Task Application_name_is_compared_without_regard_to_case_and_logged_as_configured(string app)
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (code, _) = await h.Client.PublishAsync("key-cam1", app);

        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        Assert.Equal(["key-cam1"], h.Authorizer.Asked);
        Assert.Contains(h.Logger.Lines, l => l.Contains("connected to application live ("));
    }

    [Theory]
    [InlineData("live/key-cam1")] // what FFmpeg and librtmp send for rtmp://host/live/key-cam1/
    [InlineData("live/key-cam1/")]
    [InlineData("Live/key-cam1")]
    [InlineData("live/key-cam1?token=x")]
    public async Task An_empty_stream_name_takes_the_key_from_after_the_application_and_never_logs_it(string app)
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (code, _) = await h.Client.PublishAsync("", app);

        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        Assert.Equal(["key-cam1"], h.Authorizer.Asked);
        Assert.NotNull(h.Registry.Find("cam1"));
        Assert.Contains(h.Logger.Lines, l => l.Contains("connected to application live ("));
        Assert.Contains(h.Logger.Lines, l => l.Contains("publishing stream cam1"));
        Assert.DoesNotContain(h.Logger.Lines, l => l.Contains("key-cam1"));
    }

    [Fact]
    public async Task A_stream_name_wins_over_what_follows_the_application()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (code, _) = await h.Client.PublishAsync("key-cam1", "live/instance");

        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        Assert.Equal(["key-cam1"], h.Authorizer.Asked);
    }

    [Fact]
    public async Task An_unknown_key_after_the_application_is_refused_and_not_logged()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (code, _) = await h.Client.PublishAsync("", "live/secret-wrong-key/");

        Assert.Equal(RtmpStatusCodes.PublishBadName, code);
        Assert.True(await h.Client.WaitForCloseAsync(Wait));
        Assert.DoesNotContain(h.Logger.Lines, l => l.Contains("secret-wrong-key"));
        Assert.Empty(h.Registry.All);
    }

    [Theory]
    [InlineData("other/key-cam1")]
    [InlineData("lives/key-cam1")]
    [InlineData("key-cam1")]
    [InlineData("")]
    public async Task Another_application_is_refused_at_connect_even_with_a_key_after_it_and_not_logged(string app)
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var reply = await h.Client.ConnectAppAsync(app);

        Assert.NotNull(reply);
        Assert.Equal(CommandNames.Error, reply.Name);
        Assert.True(await h.Client.WaitForCloseAsync(Wait));
        Assert.Empty(h.Authorizer.Asked);
        Assert.Contains(h.Logger.Lines, l => l.Contains("refused at connect"));
        Assert.DoesNotContain(h.Logger.Lines, l => l.Contains("key-cam1"));
    }

    [Fact]
    public async Task Query_string_on_the_stream_name_is_stripped_before_the_key_lookup()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (code, _) = await h.Client.PublishAsync("key-cam1?token=abc&x=1");

        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        Assert.Equal(["key-cam1"], h.Authorizer.Asked);
    }

    [Fact]
    public async Task Fmt3_continuations_with_extended_timestamp_reassemble_with_the_right_clock()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        var payload = Enumerable.Range(0, 600).Select(i => (byte)i).ToArray();

        // 0x01000000 ms (4.66 h) needs the extended field; 600 bytes at chunk size 128 = 1 fmt-0 + 4 fmt-3 chunks,
        // each repeating the extended timestamp.
        await h.Client.SendAvcAsync(streamId, 0x01000000, true, 1, 0, payload);
        await h.Client.SendAvcAsync(streamId, 0x01000028, false, 1, 0, payload);
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 2);

        var frames = h.Sink.Frames("cam1");
        Assert.Equal([0x01000000L, 0x01000028L], frames.Select(f => f.Dts));
        Assert.All(frames, f => Assert.Equal(payload, f.Payload));
    }

    [Fact]
    public async Task Fmt3_continuations_without_extended_timestamp_old_librtmp_are_read_too()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        var body = TestRtmpClient.AvcBody(true, 1, 0, Enumerable.Range(0, 200).Select(i => (byte)(i + 1)).ToArray());

        // Hand-built: fmt 0 on csid 6 with timestamp 0xFFFFFF + extended 0x02000000, 128 bytes, then a fmt-3
        // continuation WITHOUT the repeated extended field (what OBS sent before PR #10097).
        var bytes = new List<byte> { 0x06, 0xFF, 0xFF, 0xFF, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, 9 };
        bytes.AddRange(BitConverter.GetBytes(streamId));
        bytes.AddRange([0x02, 0x00, 0x00, 0x00]);
        bytes.AddRange(body[..128]);
        bytes.Add(0xC6);
        bytes.AddRange(body[128..]);
        await h.Client.SendRawAsync(bytes.ToArray());
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 1);

        var frame = h.Sink.Frames("cam1").Single();
        Assert.Equal(0x02000000L, frame.Dts);
        Assert.Equal(body[5..], frame.Payload);
    }

    [Fact]
    public async Task Timestamps_wrapping_past_2_pow_32_keep_increasing_on_the_64_bit_clock()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        await h.Client.SendAvcAsync(streamId, 0xFFFFFFB0, true, 1, 0, [1]);
        await h.Client.SendAvcAsync(streamId, 0xFFFFFFD8, false, 1, 0, [2]);
        await h.Client.SendAvcAsync(streamId, 0x00000000, false, 1, 0, [3]);
        await h.Client.SendAvcAsync(streamId, 0x00000028, false, 1, 0, [4]);
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 4);

        Assert.Equal([0xFFFFFFB0L, 0xFFFFFFD8L, 0x100000000L, 0x100000028L], h.Sink.Frames("cam1").Select(f => f.Dts));
    }

    [Fact]
    public async Task Chunk_size_set_before_connect_and_changed_mid_stream_is_honoured()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        await h.Client.SetChunkSizeAsync(4096); // OBS does this before connect
        var (code, streamId) = await h.Client.PublishAsync("key-cam1");
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        var big = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
        await h.Client.SendAvcAsync(streamId, 0, true, 1, 0, big);
        await h.Client.SetChunkSizeAsync(100);
        await h.Client.SendAvcAsync(streamId, 40, false, 1, 0, big[..1000]);
        await h.Client.SetChunkSizeAsync(65536);
        await h.Client.SendAvcAsync(streamId, 80, false, 1, 0, big);
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 3);

        var frames = h.Sink.Frames("cam1");
        Assert.Equal(big, frames[0].Payload);
        Assert.Equal(big[..1000], frames[1].Payload);
        Assert.Equal(big, frames[2].Payload);
    }

    [Fact]
    public async Task Server_acknowledges_at_the_peer_window()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        var window = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(window, 8000);
        await h.Client.SendMessageAsync(2, RtmpMessageType.WindowAcknowledgementSize, 0, 0, window);
        for (var i = 0; i < 10; i++)
        {
            await h.Client.SendAvcAsync(streamId, (uint)(i * 40), true, 1, 0, new byte[3000]);
        }

        var acks = new List<uint>();
        while (acks.Count < 3 && await h.Client.ReadMessageAsync(Wait) is { } message)
        {
            if (message.Type == RtmpMessageType.Acknowledgement)
            {
                acks.Add(message.UInt32());
            }
        }
        Assert.Equal(3, acks.Count);
        Assert.True(acks[0] >= 8000, $"first ACK {acks[0]}");
        Assert.True(acks[1] - acks[0] >= 8000 && acks[2] - acks[1] >= 8000, string.Join(",", acks));
    }

    [Fact]
    public async Task Ping_request_gets_ping_response_with_the_same_timestamp()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        await h.Client.ConnectAppAsync();
        await h.Client.SendMessageAsync(2, RtmpMessageType.UserControl, 0, 0, new byte[] { 0, 6, 0x12, 0x34, 0x56, 0x78 });

        ReceivedMessage? pong = null;
        while (pong is null && await h.Client.ReadMessageAsync(Wait) is { } message)
        {
            if (message.Type == RtmpMessageType.UserControl && message.Payload[1] == 7)
            {
                pong = message;
            }
        }
        Assert.NotNull(pong);
        Assert.Equal(0x12345678u, pong.UInt32(2));
    }

    [Fact]
    public async Task Digest_handshake_is_answered_with_a_signed_S1_and_S2()
    {
        await using var h = new SessionHarness();
        var (s1, s2, c1) = await h.Client.HandshakeAsync(digest: true);

        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(s1.AsSpan(4)));
        var offset = HandshakeDigest.DigestOffset(s1, HandshakeScheme.Digest0);
        var expected = new byte[32];
        HandshakeDigest.Compute(s1, offset, HandshakeDigest.ServerKey[..36], expected);
        Assert.Equal(expected, s1[offset..(offset + 32)]);

        var clientOffset = HandshakeDigest.DigestOffset(c1, HandshakeScheme.Digest0);
        var signature = new byte[32];
        var key = System.Security.Cryptography.HMACSHA256.HashData(HandshakeDigest.ServerKey, c1.AsSpan(clientOffset, 32));
        System.Security.Cryptography.HMACSHA256.HashData(key, s2.AsSpan(0, 1504), signature);
        Assert.Equal(signature, s2[1504..]);

        var (code, _) = await h.Client.PublishAsync("key-cam1");
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
    }

    [Fact]
    public async Task Amf3_command_message_with_leading_zero_is_understood()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var body = new ArrayBufferWriter<byte>();
        body.Write(new byte[] { 0x00 });
        Amf0Writer.WriteString(body, "connect");
        Amf0Writer.WriteNumber(body, 1);
        Amf0Writer.WriteValue(body, new AmfObject { ["app"] = "live" });
        // An AMF3-switched value, as Flash sends in AMF3 commands: AMF3 string "x".
        body.Write(new byte[] { 0x11, 0x06, 0x03, (byte)'x' });
        await h.Client.SendMessageAsync(3, RtmpMessageType.Amf3Command, 0, 0, body.WrittenMemory);

        var reply = await h.Client.ReadCommandAsync();
        Assert.Equal(CommandNames.Result, reply?.Name);
        Assert.Equal(RtmpStatusCodes.ConnectSuccess, ((AmfObject)reply!.Arguments[0]!).GetString("code"));
    }

    [Fact]
    public async Task Negative_composition_time_reaches_the_frame_sign_extended()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        await h.Client.SendAvcAsync(streamId, 1000, false, 1, -40, [1, 2, 3]);
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 1);

        var frame = h.Sink.Frames("cam1").Single();
        Assert.Equal(-40, frame.CompositionOffset);
        Assert.Equal(960, frame.Pts);
    }

    [Fact]
    public async Task Chunk_size_zero_is_a_protocol_error_that_ends_the_session()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        await h.Client.SendMessageAsync(2, RtmpMessageType.SetChunkSize, 0, 0, new byte[4]);

        var error = await h.EndAsync();
        Assert.Equal(RtmpError.InvalidChunkSize, error?.Error);
    }

    [Fact]
    public async Task Message_longer_than_the_limit_is_refused_from_its_header()
    {
        await using var h = new SessionHarness(new RtmpOptions { MaxMessageSize = 64 * 1024 });
        await h.Client.HandshakeAsync();
        // Only the 12-byte header of a 1 MiB message: refused before any payload is waited for.
        await h.Client.SendRawAsync(new byte[] { 0x06, 0, 0, 0, 0x10, 0x00, 0x00, 9, 1, 0, 0, 0 });

        var error = await h.EndAsync();
        Assert.Equal(RtmpError.MessageTooLarge, error?.Error);
    }

    [Fact]
    public async Task Connection_closed_mid_publish_ends_the_live_stream()
    {
        var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        await h.Client.SendAvcAsync(streamId, 0, true, 1, 0, new byte[1000]);
        // Half a message, then the peer goes away.
        await h.Client.SendRawAsync(new byte[] { 0x06, 0, 0, 40, 0, 0x10, 0, 9, 1, 0, 0, 0, 1, 2, 3 });
        await h.DisposeAsync();

        await h.Sink.WaitForEndAsync("cam1", Wait);
        Assert.Null(h.Registry.Find("cam1"));
        Assert.Single(h.Sink.Frames("cam1"));
    }

    [Fact]
    public async Task Enhanced_rtmp_video_and_audio_reach_the_stream_with_their_codecs()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        await h.Client.SendMessageAsync(6, RtmpMessageType.Video, streamId, 0, (byte[])[0x90, .. "hvc1"u8, 0x01, 0x02]);
        await h.Client.SendMessageAsync(6, RtmpMessageType.Video, streamId, 0, (byte[])[0x91, .. "hvc1"u8, 0x00, 0x00, 0x50, 0x03]);
        await h.Client.SendMessageAsync(6, RtmpMessageType.Video, streamId, 40, (byte[])[0xA3, .. "hvc1"u8, 0x04]);
        await h.Client.SendMessageAsync(6, RtmpMessageType.Video, streamId, 80, (byte[])[0x93, .. "av01"u8, .. Av1RandomAccessTests.Key]);
        await h.Client.SendMessageAsync(4, RtmpMessageType.Audio, streamId, 0, (byte[])[0x90, .. "Opus"u8, 0x06]);
        await h.Client.SendMessageAsync(4, RtmpMessageType.Audio, streamId, 20, (byte[])[0x91, .. "Opus"u8, 0x07]);
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 6);

        var frames = h.Sink.Frames("cam1");
        Assert.Equal([VideoCodec.Hevc, VideoCodec.Hevc, VideoCodec.Hevc, VideoCodec.Av1], frames.Where(f => f.Kind == MediaKind.Video).Select(f => f.VideoCodec));
        Assert.Equal([MediaFrameKind.SequenceHeader, MediaFrameKind.Coded, MediaFrameKind.Coded, MediaFrameKind.Coded], frames.Where(f => f.Kind == MediaKind.Video).Select(f => f.FrameKind));
        Assert.Equal([0, 80, 0, 0], frames.Where(f => f.Kind == MediaKind.Video).Select(f => f.CompositionOffset));
        Assert.Equal([true, true, false, true], frames.Where(f => f.Kind == MediaKind.Video).Select(f => f.IsKeyframe));
        Assert.All(frames.Where(f => f.Kind == MediaKind.Audio), f => Assert.Equal(AudioCodec.Opus, f.AudioCodec));
        Assert.Equal(new byte[] { 0x07 }, frames.Last().Payload);
    }

    [Fact]
    public async Task An_av1_frame_is_a_keyframe_when_its_bitstream_says_so_whatever_the_flv_flag()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        // FLV frame type 1 (key) on units that are not random access points, twice each, then frame type 2 (inter)
        // on a real key unit: 0x93 is key + CodedFramesX, 0xA3 inter + CodedFramesX.
        byte[][] units = [Av1RandomAccessTests.Inter, Av1RandomAccessTests.ShowExisting, Av1RandomAccessTests.Inter, Av1RandomAccessTests.HiddenAndShownInter];
        var time = 0u;
        foreach (var unit in units)
        {
            await h.Client.SendMessageAsync(6, RtmpMessageType.Video, streamId, time += 100, (byte[])[0x93, .. "av01"u8, .. unit]);
        }
        await h.Client.SendMessageAsync(6, RtmpMessageType.Video, streamId, time + 100, (byte[])[0xA3, .. "av01"u8, .. Av1RandomAccessTests.Key]);
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 5);

        Assert.Equal([false, false, false, false, true], h.Sink.Frames("cam1").Select(f => f.IsKeyframe));
        var warnings = h.Logger.Lines.Where(l => l.Contains("AV1")).ToList();
        var warning = Assert.Single(warnings);
        Assert.StartsWith("Warning:", warning);
        Assert.Contains("InterFrame", warning);
        Assert.Contains("cam1", warning);
        Assert.Contains("conn-test", warning);
    }

    [Fact]
    public async Task Enhanced_rtmp_connect_gets_back_only_the_fourccs_it_can_serve()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        await h.Client.SendCommandAsync(0, CommandNames.Connect, 1, new AmfObject
        {
            ["app"] = "live",
            ["fourCcList"] = new List<object?> { "hvc1", "vp09", "av01", "avc1" },
        });

        var reply = await h.Client.ReadCommandAsync();
        Assert.Equal(["hvc1", "av01", "avc1"], Assert.IsType<List<object?>>(((AmfObject)reply!.CommandObject!)["fourCcList"]));
    }

    [Fact]
    public async Task Enhanced_rtmp_connect_keeps_aac_and_drops_unserved_audio_and_unknown_fourccs()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        await h.Client.SendCommandAsync(0, CommandNames.Connect, 1, new AmfObject
        {
            ["app"] = "live",
            ["fourCcList"] = new List<object?> { "Opus", "mp4a", "zzz9", "avc1", "vp09" },
        });

        var reply = await h.Client.ReadCommandAsync();
        Assert.Equal(["mp4a", "avc1"], Assert.IsType<List<object?>>(((AmfObject)reply!.CommandObject!)["fourCcList"]));
    }

    [Fact]
    public async Task Metadata_without_setDataFrame_is_accepted_too()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        await h.Client.SendMetadataAsync(streamId, new AmfObject { ["framerate"] = 30.0 }, withSetDataFrame: false);
        await RecordingWait(() => h.Registry.Find("cam1")?.Metadata.ContainsKey("framerate") == true);
        Assert.Equal(30.0, h.Registry.Find("cam1")!.Metadata["framerate"]);
    }

    [Fact]
    public async Task Aggregate_message_is_split_into_frames_with_offset_timestamps()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        // Two FLV tags (video at 500, audio at 520) with back-pointers, in a message stamped 1000.
        byte[] aggregate =
        [
            0x09, 0x00, 0x00, 0x06, 0x00, 0x01, 0xF4, 0x00, 0x00, 0x00, 0x00, 0x17, 0x01, 0x00, 0x00, 0x00, 0xAA, 0x00, 0x00, 0x00, 0x11,
            0x08, 0x00, 0x00, 0x03, 0x00, 0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0xAF, 0x01, 0xBB, 0x00, 0x00, 0x00, 0x0E,
        ];
        await h.Client.SendMessageAsync(6, RtmpMessageType.Aggregate, streamId, 1000, aggregate);
        await RecordingWait(() => h.Sink.Frames("cam1").Count == 2);

        var frames = h.Sink.Frames("cam1");
        Assert.Equal([1000L, 1020L], frames.Select(f => f.Dts));
        Assert.Equal(new byte[] { 0xAA }, frames[0].Payload);
        Assert.Equal(new byte[] { 0xBB }, frames[1].Payload);
    }

    [Fact]
    public async Task Publish_before_connect_is_a_protocol_error()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        await h.Client.SendCommandAsync(1, CommandNames.Publish, 5, null, "key-cam1", "live");

        Assert.Equal(RtmpError.MalformedCommand, (await h.EndAsync())?.Error);
        Assert.Empty(h.Authorizer.Asked);
    }

    [Fact]
    public async Task Command_message_without_a_name_is_a_protocol_error()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        await h.Client.SendMessageAsync(3, RtmpMessageType.Amf0Command, 0, 0, new byte[] { 0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0 });

        Assert.Equal(RtmpError.MalformedCommand, (await h.EndAsync())?.Error);
    }

    [Fact]
    public async Task Truncated_amf_in_a_command_is_a_protocol_error_whose_message_holds_no_peer_text()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        // "publish", then a string that claims 200 bytes and carries 12 ("secret-key-1").
        await h.Client.SendMessageAsync(3, RtmpMessageType.Amf0Command, 0, 0, (byte[])[0x02, 0x00, 0x07, .. "publish"u8, 0x02, 0x00, 0xC8, .. "secret-key-1"u8]);

        var error = await h.EndAsync();
        Assert.Equal(RtmpError.MalformedAmf, error?.Error);
        Assert.DoesNotContain("secret", error!.Message);
    }

    [Fact]
    public async Task ReleaseStream_and_FCPublish_get_result_with_a_null_and_createStream_gets_null_then_id()
    {
        await using var h = new SessionHarness();
        await h.Client.HandshakeAsync();
        await h.Client.ConnectAppAsync();
        await h.Client.SendCommandAsync(0, CommandNames.ReleaseStream, 2, null, "key-cam1");
        await h.Client.SendCommandAsync(0, CommandNames.FcPublish, 3, null, "key-cam1");
        await h.Client.SendCommandAsync(0, CommandNames.CreateStream, 4, [null]);

        byte[] resultName = [0x02, 0x00, 0x07, .. "_result"u8];
        for (var transaction = 2; transaction <= 4; transaction++)
        {
            ReceivedMessage? reply = null;
            while (reply is null && await h.Client.ReadMessageAsync() is { } message)
            {
                if (message.Type == RtmpMessageType.Amf0Command)
                {
                    reply = message;
                }
            }
            var number = new byte[9];
            number[0] = 0x00;
            System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(number.AsSpan(1), transaction);
            byte[] expected = transaction < 4
                ? [.. resultName, .. number, 0x05]
                : [.. resultName, .. number, 0x05, 0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0];
            Assert.Equal(expected, reply!.Payload);
        }
    }

    private static Task RecordingWait(Func<bool> condition) =>
        Infrastructure.RecordingMediaSink.WaitUntilAsync(condition, Wait, "frames to arrive");
}
