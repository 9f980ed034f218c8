using Microsoft.EntityFrameworkCore;
using StreamHub.StreamKeys;

namespace StreamHub.Restream;

/// <summary>The streams' restream targets in the stream key database, their keys encrypted by
/// <see cref="RestreamKeyProtector"/>. A singleton: the pusher (a hosted service) and the API share it; each call
/// uses its own database context.</summary>
public sealed partial class RestreamTargetStore(IServiceScopeFactory scopes, RestreamKeyProtector keys, TimeProvider time,
    ILogger<RestreamTargetStore> logger) : IRestreamTargetStore
{
    /// <summary>The pusher's read: every target of the stream with its key decrypted. A target whose key cannot be
    /// decrypted is left out (there is nothing to send) and logged; the API shows it as needing its key again.</summary>
    public async Task<IReadOnlyList<RestreamTarget>> ForStreamAsync(string streamName, CancellationToken cancellationToken)
    {
        var records = await ListAsync(streamName, cancellationToken) ?? [];
        var targets = new List<RestreamTarget>(records.Count);
        foreach (var record in records)
        {
            if (!keys.TryUnprotect(record.ProtectedKey, out var key))
            {
                LogKeyUnreadable(logger, streamName, record.Name);
                continue;
            }
            targets.Add(new RestreamTarget(record.Id, streamName, record.Name, record.SchemeValue, record.Host, record.Port,
                record.Application, key, record.Enabled, record.AllowUntrustedCertificate));
        }
        return targets;
    }

    /// <summary>The stream's targets by name; null when there is no such stream.</summary>
    public async Task<IReadOnlyList<RestreamTargetRecord>?> ListAsync(string streamName, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        var streamId = await StreamIdAsync(db, streamName, cancellationToken);
        if (streamId is null)
        {
            return null;
        }
        return await db.RestreamTargets.AsNoTracking().Where(t => t.StreamId == streamId).OrderBy(t => t.Name).ToListAsync(cancellationToken);
    }

    /// <summary>Every stream's targets, by stream name, in one query (for the stream list the dashboard polls).</summary>
    public async Task<ILookup<string, RestreamTargetRecord>> ListAllAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        var targets = await db.RestreamTargets.AsNoTracking().Include(t => t.Stream).OrderBy(t => t.Name).ToListAsync(cancellationToken);
        return targets.ToLookup(t => t.Stream!.Name);
    }

    public async Task<(RestreamTargetOutcome Outcome, RestreamTargetRecord? Target)> GetAsync(string streamName, string targetName,
        CancellationToken cancellationToken)
    {
        var targets = await ListAsync(streamName, cancellationToken);
        if (targets is null)
        {
            return (RestreamTargetOutcome.NoSuchStream, null);
        }
        var target = targets.FirstOrDefault(t => t.Name == targetName);
        return target is null ? (RestreamTargetOutcome.NoSuchTarget, null) : (RestreamTargetOutcome.Done, target);
    }

    /// <param name="draft">Validated by <see cref="RestreamTargetRequestValidator"/>: name, URL and key are set.</param>
    public async Task<(RestreamTargetOutcome Outcome, RestreamTargetRecord? Target)> CreateAsync(string streamName, RestreamTargetDraft draft,
        CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        var streamId = await StreamIdAsync(db, streamName, cancellationToken);
        if (streamId is null)
        {
            return (RestreamTargetOutcome.NoSuchStream, null);
        }
        if (await db.RestreamTargets.AnyAsync(t => t.StreamId == streamId && t.Name == draft.Name, cancellationToken))
        {
            return (RestreamTargetOutcome.NameTaken, null);
        }
        var now = time.GetUtcNow();
        var url = draft.Url!;
        var target = new RestreamTargetRecord
        {
            StreamId = streamId.Value,
            Name = draft.Name!,
            Scheme = url.SchemeName,
            Host = url.Host,
            Port = url.Port,
            Application = url.Application,
            ProtectedKey = keys.Protect(draft.Key!),
            KeyHint = RestreamKeyProtector.Hint(draft.Key!),
            Enabled = draft.Enabled ?? true,
            AllowUntrustedCertificate = draft.AllowUntrustedCertificate ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.RestreamTargets.Add(target);
        return await SaveAsync(db, target, cancellationToken);
    }

    /// <summary>Applies the fields a change gives.</summary>
    public async Task<(RestreamTargetOutcome Outcome, RestreamTargetRecord? Target)> UpdateAsync(string streamName, string targetName,
        RestreamTargetDraft changes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        var streamId = await StreamIdAsync(db, streamName, cancellationToken);
        if (streamId is null)
        {
            return (RestreamTargetOutcome.NoSuchStream, null);
        }
        var target = await db.RestreamTargets.FirstOrDefaultAsync(t => t.StreamId == streamId && t.Name == targetName, cancellationToken);
        if (target is null)
        {
            return (RestreamTargetOutcome.NoSuchTarget, null);
        }
        if (changes.Name is { } name && name != target.Name)
        {
            if (await db.RestreamTargets.AnyAsync(t => t.StreamId == streamId && t.Name == name, cancellationToken))
            {
                return (RestreamTargetOutcome.NameTaken, null);
            }
            target.Name = name;
        }
        if (changes.Url is { } url)
        {
            target.Scheme = url.SchemeName;
            target.Host = url.Host;
            target.Port = url.Port;
            target.Application = url.Application;
        }
        if (changes.Key is { } key)
        {
            target.ProtectedKey = keys.Protect(key);
            target.KeyHint = RestreamKeyProtector.Hint(key);
        }
        target.Enabled = changes.Enabled ?? target.Enabled;
        target.AllowUntrustedCertificate = changes.AllowUntrustedCertificate ?? target.AllowUntrustedCertificate;
        target.UpdatedAt = time.GetUtcNow();
        return await SaveAsync(db, target, cancellationToken);
    }

    public async Task<RestreamTargetOutcome> DeleteAsync(string streamName, string targetName, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        var streamId = await StreamIdAsync(db, streamName, cancellationToken);
        if (streamId is null)
        {
            return RestreamTargetOutcome.NoSuchStream;
        }
        var deleted = await db.RestreamTargets.Where(t => t.StreamId == streamId && t.Name == targetName).ExecuteDeleteAsync(cancellationToken);
        return deleted > 0 ? RestreamTargetOutcome.Done : RestreamTargetOutcome.NoSuchTarget;
    }

    private static Task<int?> StreamIdAsync(StreamKeyDbContext db, string streamName, CancellationToken cancellationToken) =>
        db.Streams.Where(s => s.Name == streamName).Select(s => (int?)s.Id).FirstOrDefaultAsync(cancellationToken);

    private static async Task<(RestreamTargetOutcome, RestreamTargetRecord?)> SaveAsync(StreamKeyDbContext db, RestreamTargetRecord target,
        CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return (RestreamTargetOutcome.Done, target);
        }
        catch (DbUpdateException)
        {
            // Lost a race: another request took the name (the unique index said no), or the stream was deleted meanwhile.
            db.Entry(target).State = EntityState.Detached;
            if (await db.RestreamTargets.AnyAsync(t => t.StreamId == target.StreamId && t.Name == target.Name, cancellationToken))
            {
                return (RestreamTargetOutcome.NameTaken, null);
            }
            if (!await db.Streams.AnyAsync(s => s.Id == target.StreamId, cancellationToken))
            {
                return (RestreamTargetOutcome.NoSuchStream, null);
            }
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restream target {TargetName} of stream {StreamName} is not pushed: its stored key cannot be decrypted (the Data Protection key ring, in the data directory or with PostgreSQL in the database, was lost or replaced); enter its key again")]
    private static partial void LogKeyUnreadable(ILogger logger, string streamName, string targetName);
}
