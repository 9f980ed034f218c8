using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using StreamHub.Cluster;
using StreamHub.Restream;

namespace StreamHub.StreamKeys;

/// <summary>The stream key store's database. Provider-neutral: SQLite by default, PostgreSQL by configuration (see
/// <see cref="DatabaseOptions"/>); one model and one set of migrations for both.</summary>
public sealed class StreamKeyDbContext(DbContextOptions<StreamKeyDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<StreamRecord> Streams => Set<StreamRecord>();
    public DbSet<RestreamTargetRecord> RestreamTargets => Set<RestreamTargetRecord>();

    /// <summary>The Data Protection key ring when the database is shared (PostgreSQL); empty on SQLite, whose key ring
    /// stays in the data directory.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Cluster membership and stream placement (PostgreSQL; empty on SQLite, where there is one node).</summary>
    public DbSet<ClusterNodeRecord> ClusterNodes => Set<ClusterNodeRecord>();
    public DbSet<StreamPlacementRecord> StreamPlacements => Set<StreamPlacementRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var stream = modelBuilder.Entity<StreamRecord>();
        stream.ToTable("streams");
        stream.HasKey(s => s.Id);
        stream.Property(s => s.Id).HasColumnName("id");
        stream.Property(s => s.Name).HasColumnName("name").HasMaxLength(StreamName.MaxLength).IsRequired();
        stream.Property(s => s.KeyHash).HasColumnName("key_hash").HasMaxLength(32).IsRequired();
        stream.Property(s => s.Description).HasColumnName("description").HasMaxLength(StreamKeyRequestValidator.MaxDescriptionLength);
        stream.Property(s => s.CreatedAt).HasColumnName("created_at");
        stream.Property(s => s.KeyIssuedAt).HasColumnName("key_issued_at");
        stream.Property(s => s.ExpiresAt).HasColumnName("expires_at");
        stream.Property(s => s.AllowedPublishers).HasColumnName("allowed_publishers").HasMaxLength(StreamKeyRequestValidator.MaxAllowedPublishersLength);
        stream.Property(s => s.RecordingEnabled).HasColumnName("recording_enabled");
        stream.Property(s => s.RecordingMaxMegabytes).HasColumnName("recording_max_megabytes");
        stream.Property(s => s.HlsContainer).HasColumnName("hls_container").HasMaxLength(8);
        stream.Property(s => s.HlsLowLatency).HasColumnName("hls_low_latency");
        stream.HasIndex(s => s.Name).IsUnique().HasDatabaseName("ux_streams_name");
        stream.HasIndex(s => s.KeyHash).IsUnique().HasDatabaseName("ux_streams_key_hash");

        var target = modelBuilder.Entity<RestreamTargetRecord>();
        target.ToTable("restream_targets");
        target.HasKey(t => t.Id);
        target.Property(t => t.Id).HasColumnName("id");
        target.Property(t => t.StreamId).HasColumnName("stream_id");
        target.Property(t => t.Name).HasColumnName("name").HasMaxLength(StreamName.MaxLength).IsRequired();
        target.Property(t => t.Scheme).HasColumnName("scheme").HasMaxLength(8).IsRequired();
        target.Property(t => t.Host).HasColumnName("host").HasMaxLength(RestreamUrl.MaxHostLength).IsRequired();
        target.Property(t => t.Port).HasColumnName("port");
        target.Property(t => t.Application).HasColumnName("application").HasMaxLength(RestreamUrl.MaxApplicationLength).IsRequired();
        target.Property(t => t.ProtectedKey).HasColumnName("protected_key").IsRequired();
        target.Property(t => t.KeyHint).HasColumnName("key_hint").HasMaxLength(RestreamKeyProtector.MaxHintLength).IsRequired();
        target.Property(t => t.Enabled).HasColumnName("enabled");
        target.Property(t => t.AllowUntrustedCertificate).HasColumnName("allow_untrusted_certificate");
        target.Property(t => t.CreatedAt).HasColumnName("created_at");
        target.Property(t => t.UpdatedAt).HasColumnName("updated_at");
        target.Ignore(t => t.SchemeValue);
        target.HasOne(t => t.Stream).WithMany().HasForeignKey(t => t.StreamId).OnDelete(DeleteBehavior.Cascade)
            .HasConstraintName("fk_restream_targets_streams_stream_id");
        // Also serves the foreign key: EF adds no separate index on stream_id.
        target.HasIndex(t => new { t.StreamId, t.Name }).IsUnique().HasDatabaseName("ux_restream_targets_stream_id_name");

        var key = modelBuilder.Entity<DataProtectionKey>();
        key.ToTable("data_protection_keys");
        key.HasKey(k => k.Id);
        key.Property(k => k.Id).HasColumnName("id");
        key.Property(k => k.FriendlyName).HasColumnName("friendly_name");
        key.Property(k => k.Xml).HasColumnName("xml");

        var node = modelBuilder.Entity<ClusterNodeRecord>();
        node.ToTable("cluster_nodes");
        node.HasKey(n => n.Id);
        node.Property(n => n.Id).HasColumnName("id").HasMaxLength(ClusterOptions.MaxNodeIdLength);
        node.Property(n => n.InstanceId).HasColumnName("instance_id").HasMaxLength(ClusterNode.InstanceIdLength).IsRequired();
        node.Property(n => n.PublicUrls).HasColumnName("public_urls").HasMaxLength(ClusterOptions.MaxPublicUrlsLength).IsRequired();
        node.Property(n => n.StartedAt).HasColumnName("started_at");
        node.Property(n => n.LastHeartbeat).HasColumnName("last_heartbeat");
        node.Property(n => n.Streams).HasColumnName("streams");
        node.Property(n => n.Viewers).HasColumnName("viewers");
        node.Property(n => n.CpuPercent).HasColumnName("cpu_percent");

        // No foreign key to the node: a placement whose node row is gone counts as expired, like one whose node
        // stopped beating, and a node's row can be forgotten without touching placements first.
        var placement = modelBuilder.Entity<StreamPlacementRecord>();
        placement.ToTable("stream_placements");
        placement.HasKey(p => p.Name);
        placement.Property(p => p.Name).HasColumnName("name").HasMaxLength(StreamName.MaxLength);
        placement.Property(p => p.NodeId).HasColumnName("node_id").HasMaxLength(ClusterOptions.MaxNodeIdLength).IsRequired();
        placement.Property(p => p.Since).HasColumnName("since");
        placement.HasIndex(p => p.NodeId).HasDatabaseName("ix_stream_placements_node_id");
    }
}
