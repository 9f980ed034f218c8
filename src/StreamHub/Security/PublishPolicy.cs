using System.Net;
using StreamHub.Diagnostics.Metrics;
using StreamHub.StreamKeys;

namespace StreamHub.Security;

/// <summary>What the publish path asks before and after the key lookup: may this address publish at all
/// (StreamHub:Access:Publish), must it wait after too many bad keys, and what the outcome counts as.</summary>
public sealed class PublishPolicy(AccessPolicy access, BadKeyBackoff backoff, StreamHubMetrics? metrics = null)
{
    /// <summary>A refusal before any lookup, or null when the key may be checked.</summary>
    public PublishRefusal? Precheck(IPAddress? address)
    {
        if (!access.IsAllowed(AccessAction.Publish, address))
        {
            metrics?.PublishAttempt("address_denied");
            return new PublishRefusal(PublishRefusalReason.AddressDenied, TimeSpan.Zero);
        }
        if (address is not null && backoff.RemainingWait(address) is { } wait && wait > TimeSpan.Zero)
        {
            metrics?.PublishAttempt("backoff");
            return new PublishRefusal(PublishRefusalReason.TooManyBadKeys, wait);
        }
        return null;
    }

    /// <summary>Records the key check's outcome: bad keys feed the backoff, a good one clears it.</summary>
    public void Record(IPAddress? address, PublishVerdict verdict, bool alreadyLive = false)
    {
        if (address is not null)
        {
            if (verdict == PublishVerdict.UnknownKey)
            {
                backoff.RecordFailure(address);
            }
            else if (verdict == PublishVerdict.Allowed)
            {
                backoff.RecordSuccess(address);
            }
        }
        metrics?.PublishAttempt(verdict switch
        {
            PublishVerdict.Allowed when alreadyLive => "already_live",
            PublishVerdict.Allowed => "accepted",
            PublishVerdict.Expired => "expired",
            _ => "unknown_key",
        });
    }
}
