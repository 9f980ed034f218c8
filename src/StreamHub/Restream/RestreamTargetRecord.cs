using StreamHub.StreamKeys;

namespace StreamHub.Restream;

/// <summary>A restream target as stored: where to push and the platform's key encrypted with Data Protection (never
/// the key in clear).</summary>
public sealed class RestreamTargetRecord
{
    public long Id { get; set; }

    /// <summary>The stream it restreams; deleting the stream deletes its targets (a cascading foreign key).</summary>
    public int StreamId { get; set; }

    public StreamRecord? Stream { get; set; }

    /// <summary>Unique per stream; the same rule as stream names, so it is safe in a URL path and a metric label.</summary>
    public required string Name { get; set; }

    /// <summary>"rtmp" or "rtmps".</summary>
    public required string Scheme { get; set; }

    public required string Host { get; set; }
    public int Port { get; set; }
    public required string Application { get; set; }

    /// <summary>The platform's key, protected by <see cref="RestreamKeyProtector"/>: unreadable without the key ring.</summary>
    public required byte[] ProtectedKey { get; set; }

    /// <summary>The end of the key, for the admin to recognise it (at most four characters, at most a quarter of the key).</summary>
    public required string KeyHint { get; set; }

    public bool Enabled { get; set; }
    public bool AllowUntrustedCertificate { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public RestreamScheme SchemeValue => Scheme == RestreamUrl.RtmpsScheme ? RestreamScheme.Rtmps : RestreamScheme.Rtmp;
}
