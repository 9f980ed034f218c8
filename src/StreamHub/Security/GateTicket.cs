using System.Net;

namespace StreamHub.Security;

/// <summary>What a connection holds at the <see cref="ConnectionGate"/>, kept in its features: the address group it
/// counts against and as what, so a web-port connection found to be RTMP can move to the RTMP count.</summary>
internal sealed class GateTicket(IPAddress group, ConnectionKind kind)
{
    public IPAddress Group { get; } = group;
    public ConnectionKind Kind { get; set; } = kind;
}
