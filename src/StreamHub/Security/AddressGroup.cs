using System.Net;
using System.Net.Sockets;

namespace StreamHub.Security;

/// <summary>The unit per-address limits count: an IPv4 address (also when it arrives IPv4-mapped on a dual-stack
/// socket), or an IPv6 address's /64. A single host or home network is given a whole /64 and can pick any address in
/// it, so limits per /128 would not limit it at all.</summary>
public static class AddressGroup
{
    public const int Ipv6PrefixLength = 64;

    public static IPAddress Of(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[(Ipv6PrefixLength / 8)..].Clear();
        return new IPAddress(bytes); // without the scope id: a prefix, not an interface's address
    }
}
