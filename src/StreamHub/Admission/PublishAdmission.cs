using System.Diagnostics.CodeAnalysis;
using StreamHub.Live;

namespace StreamHub.Admission;

/// <summary>The answer to a publish: the claimed <see cref="LiveStream"/> (the publisher now owns it and ends it with
/// <see cref="LiveStreamRegistry.EndPublish"/>), or why not.</summary>
/// <param name="Stream">The stream claimed for this publisher; null when refused.</param>
/// <param name="Refusal"><see cref="AdmissionRefusal.None"/> when admitted.</param>
/// <param name="StreamName">The public name when the key matched a stream (never the key), for the refusal's log line.</param>
/// <param name="Hold">How long to hold the refusal before answering it: the bad-key backoff (<see cref="Security.BadKeyThrottle"/>);
/// zero for the first few bad keys from an address and for every other outcome.</param>
/// <param name="Detail">For the log line: the node holding the stream (<see cref="AdmissionRefusal.LiveOnOtherNode"/>) or why
/// the store failed (<see cref="AdmissionRefusal.StoreUnavailable"/>).</param>
public readonly record struct PublishAdmission(LiveStream? Stream, AdmissionRefusal Refusal, string? StreamName, TimeSpan Hold, string? Detail = null)
{
    [MemberNotNullWhen(true, nameof(Stream))]
    public bool Admitted => Stream is not null;

    public static PublishAdmission Admit(LiveStream stream) => new(stream, AdmissionRefusal.None, stream.Name, TimeSpan.Zero);

    public static PublishAdmission Refuse(AdmissionRefusal refusal, string? streamName = null, TimeSpan hold = default, string? detail = null) =>
        new(null, refusal, streamName, hold, detail);
}
