namespace StreamHub.StreamKeys;

/// <summary>A stream as stored: its public name and the SHA-256 of its secret key (never the key).</summary>
public sealed class StreamRecord
{
    public int Id { get; set; }

    /// <summary>Public name: in playback URLs, logs and metrics.</summary>
    public required string Name { get; set; }

    /// <summary>SHA-256 of the stream key; indexed, so the publish path finds a stream by key in one index seek.</summary>
    public required byte[] KeyHash { get; set; }

    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset KeyIssuedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Addresses or CIDR networks this stream may be published from, comma-separated; null: any address
    /// that StreamHub:Access:Publish allows.</summary>
    public string? AllowedPublishers { get; set; }

    public string[] AllowedPublisherList => AllowedPublishers?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary><see cref="AllowedPublishers"/> parsed (empty: any address).</summary>
    public IReadOnlyList<System.Net.IPNetwork> AllowedPublisherNetworks
    {
        get
        {
            var networks = new List<System.Net.IPNetwork>();
            foreach (var entry in AllowedPublisherList)
            {
                if (Security.AddressRules.TryParseNetwork(entry, out var network))
                {
                    networks.Add(network);
                }
            }
            return networks;
        }
    }

    /// <summary>Whether the stream is recorded; null: as StreamHub:Recording:Enabled says.</summary>
    public bool? RecordingEnabled { get; set; }

    /// <summary>Most megabytes this stream's recordings may take; null: StreamHub:Recording:MaxStreamMegabytes.</summary>
    public long? RecordingMaxMegabytes { get; set; }

    /// <summary>The stream's own HLS container, "fmp4" or "ts"; null: StreamHub:Hls:Container.</summary>
    public string? HlsContainer { get; set; }

    /// <summary>The stream's own low-latency HLS switch; null: StreamHub:Hls:LowLatency.</summary>
    public bool? HlsLowLatency { get; set; }

    /// <summary><see cref="HlsContainer"/> and <see cref="HlsLowLatency"/> as the packager takes them.</summary>
    public Hls.StreamHlsSettings HlsSettings =>
        new(Hls.StreamHlsSettings.TryParse(HlsContainer, out var container) ? container : null, HlsLowLatency);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expires && expires <= now;
}
