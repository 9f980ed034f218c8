using System.Buffers.Binary;
using System.Diagnostics;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>Command and data messages have their own small limits (size, number of AMF values), checked before they are
/// buffered or parsed, over a real socket; a publisher live beside the hostile peer carries on.</summary>
public sealed class CommandLimitTests(HostileHostFixture fixture) : IClassFixture<HostileHostFixture>
{
    [Theory]
    [InlineData(RtmpMessageType.Amf0Command)]
    [InlineData(RtmpMessageType.Amf0Data)]
    [InlineData(RtmpMessageType.Amf3Command)]
    public async Task A_command_or_data_message_over_the_command_limit_is_refused_by_its_header_before_its_body(RtmpMessageType type)
    {
        await using var publisher = await LivePublisher.StartAsync(fixture, $"cmd-size-{(int)type}");
        await using (var hostile = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            await hostile.HandshakeAsync();
            var watch = Stopwatch.StartNew();
            // fmt 0, csid 3, a 1 MiB message (within MaxMessageSize, far over MaxCommandSize), and 100 bytes of it.
            await hostile.SendRawAsync((byte[])[0x03, 0, 0, 0, 0x10, 0x00, 0x00, (byte)type, 0, 0, 0, 0, .. new byte[100]]);
            // The idle timeout of this host is 3 s: closed before it means closed for the header, not for silence.
            Assert.True(await hostile.WaitForCloseAsync(TimeSpan.FromSeconds(2)), "the server waited for the body of a 1 MiB command");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"closed after {watch.Elapsed}");
        }
        await publisher.AssertCarriesOnAsync();
    }

    [Fact]
    public async Task A_connect_whose_object_holds_thousands_of_properties_is_refused_unanswered()
    {
        await using var publisher = await LivePublisher.StartAsync(fixture, "cmd-props");
        await using (var hostile = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            await hostile.HandshakeAsync();
            // 5,000 null-valued properties: about 40 KB, under the size limit, over the value limit (1,024).
            var crowded = new AmfObject { ["app"] = "live" };
            for (var i = 0; i < 5000; i++)
            {
                crowded[$"p{i:D4}"] = null;
            }
            await hostile.SendCommandAsync(0, CommandNames.Connect, 1, crowded);
            RtmpCommand? reply = null;
            try
            {
                reply = await hostile.ReadCommandAsync(TimeSpan.FromSeconds(2));
            }
            catch (IOException)
            {
                // Reset: the server aborts a connection that broke the protocol.
            }
            Assert.Null(reply);
            Assert.True(await hostile.WaitForCloseAsync(TimeSpan.FromSeconds(2)));
        }
        await publisher.AssertCarriesOnAsync();
    }

    [Fact]
    public async Task A_connect_of_ordinary_size_is_still_answered()
    {
        await using var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort);
        await client.HandshakeAsync();
        var ordinary = new AmfObject { ["app"] = "live", ["flashVer"] = "FMLE/3.0", ["tcUrl"] = "rtmp://127.0.0.1/live" };
        for (var i = 0; i < 100; i++)
        {
            ordinary[$"extra{i}"] = (double)i;
        }
        await client.SendCommandAsync(0, CommandNames.Connect, 1, ordinary);
        var reply = await client.ReadCommandAsync();
        Assert.Equal(CommandNames.Result, reply?.Name);
    }

    /// <summary>A publisher live through the hostile test: afterwards its ping is answered and its frames arrive.</summary>
    private sealed class LivePublisher : IAsyncDisposable
    {
        private readonly HostileHostFixture _fixture;
        private readonly TestRtmpClient _client;
        private readonly string _name;
        private readonly uint _streamId;

        private LivePublisher(HostileHostFixture fixture, TestRtmpClient client, string name, uint streamId)
        {
            _fixture = fixture;
            _client = client;
            _name = name;
            _streamId = streamId;
        }

        public static async Task<LivePublisher> StartAsync(HostileHostFixture fixture, string prefix)
        {
            var name = UniqueNames.Stream(prefix);
            var key = await fixture.CreateStreamAsync(name);
            var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort);
            await client.HandshakeAsync();
            var (code, streamId) = await client.PublishAsync(key);
            Assert.Equal(RtmpStatusCodes.PublishStart, code);
            await client.SendAvcAsync(streamId, 0, true, 0, 0, [1, 0x64, 0, 0x1F]);
            return new LivePublisher(fixture, client, name, streamId);
        }

        public async Task AssertCarriesOnAsync()
        {
            await _client.SendAvcAsync(_streamId, 40, true, 1, 0, new byte[500]);
            await RecordingMediaSink.WaitUntilAsync(() => _fixture.Sink.Frames(_name).Count == 2, TimeSpan.FromSeconds(10), $"both frames of {_name}");
            var ping = new byte[6];
            BinaryPrimitives.WriteUInt16BigEndian(ping, (ushort)UserControlEvent.PingRequest);
            BinaryPrimitives.WriteUInt32BigEndian(ping.AsSpan(2), 4242);
            await _client.SendMessageAsync(2, RtmpMessageType.UserControl, 0, 0, ping);
            while (await _client.ReadMessageAsync() is { } message)
            {
                if (message.Type == RtmpMessageType.UserControl && BinaryPrimitives.ReadUInt16BigEndian(message.Payload) == (ushort)UserControlEvent.PingResponse)
                {
                    Assert.Equal(4242u, message.UInt32(2));
                    return;
                }
            }
            Assert.Fail("the publisher's connection closed instead of answering its ping");
        }

        public ValueTask DisposeAsync() => _client.DisposeAsync();
    }
}
