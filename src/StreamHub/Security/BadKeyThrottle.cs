using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace StreamHub.Security;

/// <summary>Slows down whoever presents bad stream keys, without ever refusing the right one: past
/// <see cref="LimitsOptions.BadKeyAttempts"/> bad keys from one address group, each further bad key's refusal is held
/// for <see cref="LimitsOptions.BadKeyDelaySeconds"/>. The held connection counts against the address's RTMP
/// connection limit, so one address tries at most that limit divided by the delay keys a second, hopeless against
/// 256-bit keys; an encoder behind the same NAT presenting its right key publishes at once. The count is forgotten
/// after a minute without a bad key.</summary>
public sealed class BadKeyThrottle(IOptions<LimitsOptions> options, TimeProvider time)
{
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(1);
    private const int MaxTracked = 100_000;

    private readonly ConcurrentDictionary<IPAddress, Record> _records = new();

    private sealed record Record(int Failures, DateTimeOffset Last);

    /// <summary>Records a bad key from <paramref name="address"/>; returns how long its refusal is to be held.</summary>
    public TimeSpan RecordFailure(IPAddress address)
    {
        var limits = options.Value;
        var now = time.GetUtcNow();
        var record = _records.AddOrUpdate(AddressGroup.Of(address),
            static (_, now) => new Record(1, now),
            static (_, record, now) => new Record(now - record.Last > ForgetAfter ? 1 : record.Failures + 1, now),
            now);
        if (_records.Count > MaxTracked)
        {
            Prune(now);
        }
        return record.Failures > limits.BadKeyAttempts ? TimeSpan.FromSeconds(limits.BadKeyDelaySeconds) : TimeSpan.Zero;
    }

    /// <summary>Bad keys counted for <paramref name="address"/>'s group and not yet forgotten.</summary>
    public int Failures(IPAddress address) =>
        _records.TryGetValue(AddressGroup.Of(address), out var record) && time.GetUtcNow() - record.Last <= ForgetAfter ? record.Failures : 0;

    private void Prune(DateTimeOffset now)
    {
        foreach (var (group, record) in _records)
        {
            if (now - record.Last > ForgetAfter)
            {
                _records.TryRemove(new KeyValuePair<IPAddress, Record>(group, record));
            }
        }
        // Still full of fresh records: a flood from very many addresses. Forgetting them all only gives each a few
        // more attempts without a delay, which cost nothing against 256-bit keys; keeping them would cost unbounded memory.
        if (_records.Count > MaxTracked)
        {
            _records.Clear();
        }
    }
}
