using System.Collections.Concurrent;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace StreamHub.Hls;

/// <summary>Counts the players watching each stream: distinct (address, user agent) pairs that fetched the stream's
/// playlist within the last <see cref="Window"/>. Players reload a live playlist about every target duration, so a
/// player that stopped drops out within seconds.
/// A viewer is held as a 64-bit keyed hash of its address and user agent, in a table of at most
/// <see cref="HlsOptions.MaxViewersPerStream"/> entries per stream: the memory does not grow with what clients send
/// (a user agent may be 30 KB). The hash is an HMAC under a key drawn at start, so a client cannot choose agents that
/// collide, which would hide viewers.</summary>
public sealed class HlsViewers(IOptions<HlsOptions> options, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private const int AddressBytes = 16;
    private const int DigestBytes = HMACSHA256.HashSizeInBytes;

    private readonly ConcurrentDictionary<string, ViewerTable> _streams = new(StringComparer.Ordinal);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly int _capacity = options.Value.MaxViewersPerStream;

    public void Seen(string stream, IPAddress? address, StringValues userAgent)
    {
        var viewers = _streams.GetOrAdd(stream, static (_, capacity) => new ViewerTable(capacity), _capacity);
        viewers.Seen(ViewerHash(address, userAgent), time, Window);
    }

    /// <summary>Players seen within the window; forgets the others.</summary>
    public int Count(string stream)
    {
        if (!_streams.TryGetValue(stream, out var viewers))
        {
            return 0;
        }
        var count = viewers.Count(time, Window);
        if (count == 0)
        {
            _streams.TryRemove(new KeyValuePair<string, ViewerTable>(stream, viewers));
        }
        return count;
    }

    /// <summary>Entries held for <paramref name="stream"/>, including players not yet forgotten.</summary>
    public int Tracked(string stream) => _streams.TryGetValue(stream, out var viewers) ? viewers.Tracked : 0;

    public IEnumerable<string> Streams => _streams.Keys;

    /// <summary>HMAC(address ‖ len ‖ agents), where agents folds each User-Agent value's own HMAC: fixed-size stack
    /// buffers whatever the agent's length, and no string built from it.</summary>
    private ulong ViewerHash(IPAddress? address, StringValues userAgent)
    {
        Span<byte> message = stackalloc byte[AddressBytes + 1 + DigestBytes];
        message.Clear();
        if (address is not null)
        {
            var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            if (ip.TryWriteBytes(message[..AddressBytes], out var written))
            {
                message[AddressBytes] = (byte)written;
            }
        }
        var agents = message[(AddressBytes + 1)..];
        Span<byte> fold = stackalloc byte[2 * DigestBytes];
        foreach (var agent in userAgent)
        {
            agents.CopyTo(fold);
            HMACSHA256.HashData(_key, MemoryMarshal.AsBytes((agent ?? string.Empty).AsSpan()), fold[DigestBytes..]);
            HMACSHA256.HashData(_key, fold, agents);
        }
        Span<byte> digest = stackalloc byte[DigestBytes];
        HMACSHA256.HashData(_key, message, digest);
        return MemoryMarshal.Read<ulong>(digest);
    }
}
