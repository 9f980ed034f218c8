namespace StreamHub.StreamKeys;

/// <summary>What the key store says about a publish attempt. <see cref="StreamName"/> is set when the key matched a
/// stream (allowed or expired), so the log line can name the stream and never the key. <see cref="AllowedPublishers"/>
/// holds the stream's own publisher networks (empty: any address); <see cref="Hls"/> its own HLS settings;
/// <see cref="Key"/> the record and key issue that allowed it.</summary>
public readonly record struct PublishDecision(PublishVerdict Verdict, string? StreamName, IReadOnlyList<System.Net.IPNetwork>? AllowedPublishers = null,
    Hls.StreamHlsSettings Hls = default, KeyVersion? Key = null)
{
    /// <summary>Whether <paramref name="address"/> is inside the stream's own publisher networks (true when it has none).</summary>
    public bool AllowsAddress(System.Net.IPAddress? address)
    {
        if (AllowedPublishers is not { Count: > 0 } networks)
        {
            return true;
        }
        if (address is null)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
