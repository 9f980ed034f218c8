using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace StreamHub.Security;

/// <summary>Makes stream keys impossible to guess online: an address that presents more than
/// <see cref="LimitsOptions.BadKeyAttempts"/> bad keys is refused without a lookup for a while, the wait doubling with
/// each further bad key (up to 15 minutes). A good key clears the address's record.</summary>
public sealed class BadKeyBackoff(IOptions<LimitsOptions> options, TimeProvider time)
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(15);
    private readonly ConcurrentDictionary<IPAddress, Record> _records = new();

    private sealed record Record(int Failures, DateTimeOffset BlockedUntil);

    /// <summary>How long <paramref name="address"/> must still wait; zero when it may try.</summary>
    public TimeSpan RemainingWait(IPAddress address)
    {
        if (!_records.TryGetValue(Normalize(address), out var record))
        {
            return TimeSpan.Zero;
        }
        var left = record.BlockedUntil - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public void RecordFailure(IPAddress address)
    {
        var limits = options.Value;
        var now = time.GetUtcNow();
        _records.AddOrUpdate(Normalize(address),
            _ => Next(1),
            (_, record) => Next(record.Failures + 1));
        if (_records.Count > 100_000)
        {
            foreach (var (key, record) in _records)
            {
                if (record.BlockedUntil < now)
                {
                    _records.TryRemove(key, out _);
                }
            }
        }

        Record Next(int failures)
        {
            if (failures < limits.BadKeyAttempts)
            {
                return new Record(failures, DateTimeOffset.MinValue);
            }
            var doublings = Math.Min(failures - limits.BadKeyAttempts, 16);
            var wait = TimeSpan.FromSeconds(limits.BadKeyBackoffSeconds * Math.Pow(2, doublings));
            return new Record(failures, now + (wait < MaxWait ? wait : MaxWait));
        }
    }

    public void RecordSuccess(IPAddress address) => _records.TryRemove(Normalize(address), out _);

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
