using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;
using StreamHub.Rtmp;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hosting;

/// <summary>The RTMP port gets its own socket transport (inline scheduling); every other port is left to Kestrel's.</summary>
public sealed class RtmpTransportFactoryTests
{
    [Fact]
    public void It_takes_only_the_RTMP_port_and_none_when_inline_scheduling_is_off()
    {
        var on = new RtmpTransportFactory(Options.Create(new RtmpOptions { Port = 19350 }), NullLoggerFactory.Instance);
        var off = new RtmpTransportFactory(Options.Create(new RtmpOptions { Port = 19350, InlineScheduling = false }), NullLoggerFactory.Instance);

        Assert.True(on.CanBind(new IPEndPoint(IPAddress.Loopback, 19350)));
        Assert.True(on.CanBind(new IPEndPoint(IPAddress.IPv6Any, 19350)));
        Assert.False(on.CanBind(new IPEndPoint(IPAddress.Loopback, 8080)));
        Assert.False(on.CanBind(new UnixDomainSocketEndPoint("/tmp/streamhub-test.sock")));
        Assert.False(off.CanBind(new IPEndPoint(IPAddress.Loopback, 19350)));
    }

    [Fact]
    public async Task The_listener_it_binds_accepts_connections_and_receives_into_small_blocks_unless_asked_for_more()
    {
        var port = FreePorts.Next();
        var factory = new RtmpTransportFactory(Options.Create(new RtmpOptions { Port = port }), NullLoggerFactory.Instance);
        await using var listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, port));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
        await using var connection = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(connection);
        var sent = new byte[32 * 1024];
        Random.Shared.NextBytes(sent);
        await client.GetStream().WriteAsync(sent);
        var read = await connection!.Transport.Input.ReadAtLeastAsync(sent.Length).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(sent, read.Buffer.Slice(0, sent.Length).ToArray());
        Assert.True(factory.LargeReceiveBuffers, "SocketTransportOptions.MemoryPoolFactory was not found: the RTMP port is back on Kestrel's pool");
        // Nobody asked for a large buffer (a connection that is no publisher): 4 KiB blocks, as a player holds while
        // it waits for its next acknowledgement to arrive, not 64 KiB ones.
        foreach (var segment in read.Buffer)
        {
            Assert.True(segment.Length <= RtmpReceiveBufferPool.SmallBlockSize, $"receive segment of {segment.Length} bytes");
        }
        Assert.Equal(0, factory.Pool.LargeBuffersInUse);
    }
}
