using Microsoft.Extensions.Options;
using StreamHub.Admission;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Live;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub.Tests.Admission;

/// <summary>A <see cref="StreamAdmission"/> over a given registry and key table, with default (open) access rules
/// unless told otherwise.</summary>
public static class TestAdmission
{
    public static StreamAdmission Create(LiveStreamRegistry registry, IStreamKeyAuthorizer authorizer, AccessOptions? access = null,
        LimitsOptions? limits = null, TimeProvider? time = null, StreamHubMetrics? metrics = null) =>
        new(registry, authorizer, new AccessPolicy(Options.Create(access ?? new AccessOptions())),
            new BadKeyThrottle(Options.Create(limits ?? new LimitsOptions()), time ?? TimeProvider.System), metrics);
}
