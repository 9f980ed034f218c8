using System.Net;
using StreamHub.Diagnostics.Metrics;
using StreamHub.StreamKeys;

namespace StreamHub.Security;

/// <summary>What the publish path asks before and after the key lookup: may this address publish at all
/// (StreamHub:Access:Publish), how long a bad key's refusal is held (<see cref="BadKeyThrottle"/>), and what the
/// outcome counts as. The right key is never refused for what others behind the same address did.</summary>
public sealed class PublishPolicy(AccessPolicy access, BadKeyThrottle throttle, StreamHubMetrics? metrics = null)
{
    /// <summary>A refusal before any lookup, or null when the key may be checked.</summary>
    public PublishRefusal? Precheck(IPAddress? address)
    {
        if (!access.IsAllowed(AccessAction.Publish, address))
        {
            metrics?.PublishAttempt("address_denied");
            return new PublishRefusal(PublishRefusalReason.AddressDenied);
        }
        return null;
    }

    /// <summary>Whether <paramref name="address"/> may play streams back (StreamHub:Access:Play).</summary>
    public bool MayPlay(IPAddress? address) => access.IsAllowed(AccessAction.Play, address);

    /// <summary>Records the key check's outcome; for a bad key, returns how long to hold its refusal (zero for the first
    /// few from an address).</summary>
    public TimeSpan Record(IPAddress? address, PublishVerdict verdict, bool alreadyLive = false)
    {
        metrics?.PublishAttempt(verdict switch
        {
            PublishVerdict.Allowed when alreadyLive => "already_live",
            PublishVerdict.Allowed => "accepted",
            PublishVerdict.Expired => "expired",
            _ => "unknown_key",
        });
        return address is not null && verdict == PublishVerdict.UnknownKey ? throttle.RecordFailure(address) : TimeSpan.Zero;
    }
}
