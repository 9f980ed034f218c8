using System.Diagnostics.CodeAnalysis;
using StreamHub.Live;

namespace StreamHub.Admission;

/// <summary>The answer to a play: the live stream to subscribe to, or why not
/// (<see cref="AdmissionRefusal.AddressDenied"/> or <see cref="AdmissionRefusal.NotLive"/>).</summary>
public readonly record struct PlayAdmission(LiveStream? Stream, AdmissionRefusal Refusal)
{
    [MemberNotNullWhen(true, nameof(Stream))]
    public bool Admitted => Stream is not null;

    public static PlayAdmission Admit(LiveStream stream) => new(stream, AdmissionRefusal.None);

    public static PlayAdmission Refuse(AdmissionRefusal refusal) => new(null, refusal);
}
