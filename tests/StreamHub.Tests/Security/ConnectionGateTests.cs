using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Security;

namespace StreamHub.Tests.Security;

public sealed class ConnectionGateTests
{
    [Fact]
    public void A_64_shares_one_limit_per_kind_and_each_kind_has_its_own()
    {
        var gate = new ConnectionGate(Options.Create(new LimitsOptions { MaxTunnelsPerAddress = 2, MaxRtmpConnectionsPerAddress = 1 }),
            NullLogger<ConnectionGate>.Instance, TimeProvider.System);
        var host = IPAddress.Parse("2001:db8:5:6::1");

        Assert.True(gate.TryEnter(host, ConnectionKind.Tunnel, "test"));
        Assert.True(gate.TryEnter(IPAddress.Parse("2001:db8:5:6::2"), ConnectionKind.Tunnel, "test"));
        Assert.False(gate.TryEnter(IPAddress.Parse("2001:db8:5:6:abcd::3"), ConnectionKind.Tunnel, "test")); // same /64, new interface id
        Assert.True(gate.TryEnter(IPAddress.Parse("2001:db8:5:7::1"), ConnectionKind.Tunnel, "test")); // the next /64
        Assert.True(gate.TryEnter(host, ConnectionKind.Rtmp, "test")); // RTMP is counted apart from tunnels
        Assert.Equal(2, gate.OpenFrom(IPAddress.Parse("2001:db8:5:6::99"), ConnectionKind.Tunnel));

        gate.Leave(AddressGroup.Of(host), ConnectionKind.Tunnel);
        Assert.True(gate.TryEnter(IPAddress.Parse("2001:db8:5:6:abcd::3"), ConnectionKind.Tunnel, "test"));
    }
}
