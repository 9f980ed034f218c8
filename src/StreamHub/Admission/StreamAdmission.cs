using System.Net;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Live;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub.Admission;

/// <summary>Whether a peer may publish or play, for any protocol: the address rules (StreamHub:Access), the stream key
/// and the stream's own publisher networks, the bad-key backoff (<see cref="BadKeyThrottle"/>), and the one publisher
/// per stream (<see cref="LiveStreamRegistry"/>). It counts every publish attempt's outcome; the protocol maps the
/// refusal to its own answer and logs it with its connection.</summary>
public sealed class StreamAdmission(LiveStreamRegistry registry, IStreamKeyAuthorizer authorizer, AccessPolicy access,
    BadKeyThrottle throttle, StreamHubMetrics? metrics = null)
{
    /// <summary>Checks <paramref name="key"/> from <paramref name="address"/> and, when all is well, claims its stream
    /// for <paramref name="publisher"/>. The right key is never held back for what others behind the same address did:
    /// only bad keys (and right keys from outside the stream's networks, which must look the same to the peer) count
    /// towards the backoff.</summary>
    public async ValueTask<PublishAdmission> AdmitPublishAsync(string key, IPAddress? address, PublisherInfo publisher,
        CancellationToken cancellationToken)
    {
        // Before the lookup: a refused address learns nothing about keys, and costs no database query.
        if (!access.IsAllowed(AccessAction.Publish, address))
        {
            metrics?.PublishAttempt("address_denied");
            return PublishAdmission.Refuse(AdmissionRefusal.AddressDenied);
        }
        var decision = await authorizer.AuthorizePublishAsync(key, cancellationToken);
        switch (decision.Verdict)
        {
            case PublishVerdict.Allowed when decision.StreamName is { } name && !decision.AllowsAddress(address):
                metrics?.PublishAttempt("unknown_key");
                return PublishAdmission.Refuse(AdmissionRefusal.StreamAddressDenied, name, RecordBadKey(address));
            case PublishVerdict.Allowed when decision.StreamName is { } name:
                // The stream's own HLS settings travel with the publish, so the packager reads no database.
                var withSettings = decision.Hls == default ? publisher : publisher with { Hls = decision.Hls };
                if (!registry.TryBeginPublish(name, withSettings, out var stream))
                {
                    metrics?.PublishAttempt("already_live");
                    return PublishAdmission.Refuse(AdmissionRefusal.AlreadyLive, name);
                }
                metrics?.PublishAttempt("accepted");
                return PublishAdmission.Admit(stream);
            case PublishVerdict.Expired:
                metrics?.PublishAttempt("expired");
                return PublishAdmission.Refuse(AdmissionRefusal.Expired, decision.StreamName);
            default:
                metrics?.PublishAttempt("unknown_key");
                return PublishAdmission.Refuse(AdmissionRefusal.UnknownKey, hold: RecordBadKey(address));
        }
    }

    /// <summary>Whether <paramref name="address"/> may play the stream whose public name is <paramref name="name"/>, and
    /// that stream if it is live. The address is checked first, so a refused address learns nothing of what is live.</summary>
    public PlayAdmission AdmitPlay(string name, IPAddress? address)
    {
        if (!access.IsAllowed(AccessAction.Play, address))
        {
            return PlayAdmission.Refuse(AdmissionRefusal.AddressDenied);
        }
        return registry.Find(name) is { } stream ? PlayAdmission.Admit(stream) : PlayAdmission.Refuse(AdmissionRefusal.NotLive);
    }

    private TimeSpan RecordBadKey(IPAddress? address) => address is null ? TimeSpan.Zero : throttle.RecordFailure(address);
}
