using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using FaceRep.Silo;
using Json.Schema;
using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// Checks the deployment files (docker-compose.yml, deploy/docker, deploy/k8s) without Docker or
/// a Kubernetes cluster: they parse, the compose file meets the Compose Specification, every silo
/// setting they set is a <see cref="SiloSettings"/> property with a value the silo accepts, and
/// the details the silo relies on (Kubernetes labels and downward API, probes, grace periods
/// longer than the drain, RBAC, non-root multi-stage images that copy what exists) are in place.
/// </summary>
public sealed class DeploymentFilesTests
{
    private const string ComposeFile = "docker-compose.yml";
    private const string SettingsPrefix = "FaceRep__";

    /// <summary>
    /// After draining (DrainSeconds) the silo hands unfinished jobs back and leaves the cluster;
    /// silos/FaceRep.Silo/Program.cs gives its host DrainSeconds + this to stop, so whatever stops
    /// a silo must wait longer than that.
    /// </summary>
    private const double LeaveSeconds = 30;

    /// <summary>The compose services that run a silo.</summary>
    private static readonly string[] ComposeSilos = ["silo", "silo-gpu"];

    /// <summary>What Orleans' Kubernetes hosting (10.4) does to pods: read its own, list and watch the cluster's, patch its own labels.</summary>
    private static readonly string[] PodVerbsOrleansNeeds = ["get", "list", "watch", "patch"];

    // ---------------------------------------------------------------------------------------
    // (a) Everything parses
    // ---------------------------------------------------------------------------------------

    [Fact]
    public void Every_yaml_file_under_deploy_and_the_compose_file_parses()
    {
        var files = Repo.YamlFiles();
        Assert.Contains(files, f => Repo.Relative(f) == ComposeFile);
        Assert.Contains(files, f => Repo.Relative(f).StartsWith("deploy/k8s/", StringComparison.Ordinal));

        var problems = new List<string>();
        foreach (var file in files)
        {
            try
            {
                var documents = Yaml.Load(file);
                if (documents.Count == 0 || documents.Any(d => d is null))
                    problems.Add($"{Repo.Relative(file)}: has an empty document");
                if (Repo.Relative(file).StartsWith("deploy/k8s/", StringComparison.Ordinal))
                {
                    foreach (var document in documents.OfType<JsonObject>())
                    {
                        if (Text(document["apiVersion"]) is null || Text(document["kind"]) is null)
                            problems.Add($"{Repo.Relative(file)}: a document without apiVersion and kind");
                        else if (Text(document["kind"]) != "Kustomization" && Text(document["metadata"]?["name"]) is null)
                            problems.Add($"{Repo.Relative(file)}: {Text(document["kind"])} without metadata.name");
                    }
                }
            }
            catch (Exception e) when (e is YamlException or ArgumentException or InvalidOperationException)
            {
                problems.Add($"{Repo.Relative(file)}: {e.Message}");
            }
        }

        AssertNone(problems);
    }

    // ---------------------------------------------------------------------------------------
    // (b) docker-compose.yml
    // ---------------------------------------------------------------------------------------

    [Fact]
    public void The_compose_file_meets_the_Compose_Specification_schema()
    {
        AssertNone(ComposeSchema.Validate(ComposeDocument()));
    }

    [Fact]
    public void The_schema_check_catches_a_misspelt_key_a_wrong_type_and_a_bad_duration()
    {
        var compose = ComposeDocument();
        var silo = compose["services"]!["silo"]!.AsObject();
        silo["stop_grace_periode"] = "90s";
        silo["healthcheck"]!["retries"] = "three";
        silo["healthcheck"]!["interval"] = "15 seconds";

        var errors = ComposeSchema.Validate(compose);

        // Each of the three changes fails, at its own place, and nothing else does.
        var places = errors.Select(e => e[..e.IndexOf(": ", StringComparison.Ordinal)]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        Assert.Equal(["/services/silo/healthcheck/interval", "/services/silo/healthcheck/retries", "/services/silo/stop_grace_periode"], places);
        Assert.Contains(errors, e => e.StartsWith("/services/silo/healthcheck/interval: format", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/services/silo/healthcheck/retries: type", StringComparison.Ordinal));
    }

    [Fact]
    public void The_compose_file_runs_a_scalable_cluster_a_gpu_silo_and_the_console()
    {
        var compose = ComposeDocument();
        var services = compose["services"]!.AsObject();
        var problems = new List<string>();
        foreach (var name in new[] { "redis", "postgres", "silo", "silo-gpu", "cli" })
        {
            if (services[name] is null)
                problems.Add($"no service {name}");
        }

        foreach (var name in new[] { "redis", "postgres" })
        {
            if (services[name]?["healthcheck"]?["test"] is null)
                problems.Add($"{name}: no healthcheck, so depends_on cannot wait for service_healthy");
        }

        foreach (var name in ComposeSilos)
        {
            if (services[name] is not JsonObject silo)
                continue;
            var environment = Compose.Environment(silo);
            foreach (var dependency in new[] { "redis", "postgres" })
            {
                if (Text(silo["depends_on"]?[dependency]?["condition"]) != "service_healthy")
                    problems.Add($"{name}: does not wait for {dependency} to be healthy (depends_on.{dependency}.condition: service_healthy)");
            }

            if (silo["container_name"] is not null)
                problems.Add($"{name}: container_name makes the service impossible to scale");
            foreach (var port in silo["ports"]?.AsArray() ?? [])
            {
                if (Compose.FixedHostPort(port) is { } fixedPort)
                    problems.Add($"{name}: publishes host port {fixedPort}, so a second replica cannot start; publish the container port only (\"127.0.0.1::8080\")");
            }

            if (!Compose.Mounts(silo).Contains(("shared", "/shared")))
                problems.Add($"{name}: does not mount the named volume shared at /shared");
            foreach (var key in new[] { "ArtifactRoot", "DatasetRoots" })
            {
                if (environment.GetValueOrDefault(SettingsPrefix + key) is not { } path || !path.StartsWith("/shared/", StringComparison.Ordinal))
                    problems.Add($"{name}: {SettingsPrefix}{key} is not under /shared, the volume every silo shares");
            }

            if (!double.TryParse(environment.GetValueOrDefault(SettingsPrefix + "DrainSeconds"), CultureInfo.InvariantCulture, out var drain))
                problems.Add($"{name}: sets no {SettingsPrefix}DrainSeconds");
            else if (Duration.Parse(Text(silo["stop_grace_period"])) is not { } grace || grace.TotalSeconds <= drain + LeaveSeconds)
                problems.Add($"{name}: stop_grace_period '{Text(silo["stop_grace_period"]) ?? "10s by default"}' is not longer than DrainSeconds + {LeaveSeconds} s ({drain + LeaveSeconds} s), so a draining silo is killed");
            var probe = string.Join(" ", silo["healthcheck"]?["test"]?.AsArray().Select(Text) ?? []);
            if (!probe.Contains("facerep-health", StringComparison.Ordinal) && !probe.Contains("/health", StringComparison.Ordinal))
                problems.Add($"{name}: the healthcheck does not ask the silo's /health ('{probe}')");
        }

        if (services["silo-gpu"] is JsonObject gpu)
        {
            if (gpu["profiles"]?.AsArray().Any(p => Text(p) == "gpu") != true)
                problems.Add("silo-gpu: not in the gpu profile, so a plain 'docker compose up' needs a GPU");
            var devices = gpu["deploy"]?["resources"]?["reservations"]?["devices"]?.AsArray() ?? [];
            if (!devices.Any(d => Text(d?["driver"]) == "nvidia" && d?["capabilities"]?.AsArray().Any(c => Text(c) == "gpu") == true))
                problems.Add("silo-gpu: reserves no nvidia device with the gpu capability (deploy.resources.reservations.devices)");
        }

        if (services["cli"] is JsonObject cli)
        {
            if (cli["profiles"]?.AsArray().Any(p => Text(p) == "cli") != true)
                problems.Add("cli: not in the cli profile, so 'docker compose up' would start the console");
            var cliEnvironment = Compose.Environment(cli);
            var siloEnvironment = services["silo"] is JsonObject s ? Compose.Environment(s) : [];
            foreach (var (variable, setting) in new[] { ("FACEREP_CLUSTER", "Redis"), ("FACEREP_CLUSTER_ID", "ClusterId"), ("FACEREP_SERVICE_ID", "ServiceId"), ("FACEREP_POSTGRES", "Postgres") })
            {
                if (cliEnvironment.GetValueOrDefault(variable) != siloEnvironment.GetValueOrDefault(SettingsPrefix + setting))
                    problems.Add($"cli: {variable} '{cliEnvironment.GetValueOrDefault(variable)}' differs from the silos' {SettingsPrefix}{setting} '{siloEnvironment.GetValueOrDefault(SettingsPrefix + setting)}'");
            }

            if (!Compose.Mounts(cli).Contains(("shared", "/shared")))
                problems.Add("cli: does not mount the named volume shared at /shared, so it cannot hand specs to the silos");
        }

        var declaredVolumes = compose["volumes"]?.AsObject().Select(v => v.Key).ToHashSet(StringComparer.Ordinal) ?? [];
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in services)
        {
            var service = node!.AsObject();
            foreach (var (volume, _) in Compose.Mounts(service).Where(m => m.Volume is not null))
            {
                if (!declaredVolumes.Contains(volume!))
                    problems.Add($"{name}: uses the volume {volume}, which the top-level volumes do not declare");
            }

            if (service["build"] is JsonObject build)
            {
                var context = Path.GetFullPath(Path.Combine(Repo.Root, Text(build["context"]) ?? "."));
                var dockerfile = Path.Combine(context, Text(build["dockerfile"]) ?? "Dockerfile");
                if (!File.Exists(dockerfile))
                    problems.Add($"{name}: build.dockerfile {Repo.Relative(dockerfile)} does not exist");
                if (Text(service["image"]) is { } image && images.TryGetValue(image, out var other))
                    problems.Add($"{name} and {other} build the same image {image}: one build overwrites the other");
                else if (Text(service["image"]) is { } tag)
                    images[tag] = name;
            }
        }

        AssertNone(problems);
    }

    [Fact]
    public void Every_FACEREP_variable_the_compose_console_gets_is_one_the_console_reads()
    {
        var cli = ComposeDocument()["services"]?["cli"] as JsonObject;
        Assert.NotNull(cli);
        var variables = Compose.Environment(cli).Keys.Where(k => k.StartsWith("FACEREP_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(variables);
        var source = string.Join("\n", Directory.EnumerateFiles(Path.Combine(Repo.Root, "src", "FaceRep.Cli"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
        AssertNone(variables
            .Where(v => !source.Contains($"\"{v}\"", StringComparison.Ordinal))
            .Select(v => $"cli: {v} is set in {ComposeFile} but src/FaceRep.Cli never reads it"));
    }

    // ---------------------------------------------------------------------------------------
    // (c) FaceRep__* settings
    // ---------------------------------------------------------------------------------------

    [Fact]
    public void The_silo_has_the_HTTP_drain_and_Kubernetes_settings_the_deployment_files_use()
    {
        var problems = new List<string>();
        foreach (var (name, type) in new[] { ("HttpPort", typeof(int)), ("DrainSeconds", typeof(double)), ("Kubernetes", typeof(bool)) })
        {
            var property = typeof(SiloSettings).GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (property is null)
                problems.Add($"SiloSettings has no {name} property ({SettingsPrefix}{name} is set by the deployment files)");
            else if (property.PropertyType != type || !property.CanWrite)
                problems.Add($"SiloSettings.{name} is a {property.PropertyType.Name}{(property.CanWrite ? "" : " without a setter")}; the deployment files set it as a {type.Name}");
        }

        AssertNone(problems);
    }

    [Fact]
    public void Every_FaceRep_variable_in_the_deployment_files_names_a_silo_setting()
    {
        var sources = SettingSources();
        Assert.Contains(sources, s => s.Where.StartsWith(ComposeFile, StringComparison.Ordinal));
        Assert.Contains(sources, s => s.Where.StartsWith("deploy/k8s/", StringComparison.Ordinal));
        Assert.Contains(sources, s => s.Where.StartsWith("deploy/docker/", StringComparison.Ordinal));

        var problems = new List<string>();
        var checkedNames = 0;
        foreach (var (where, _, variables) in sources)
        {
            foreach (var name in variables.Keys.Where(k => k.StartsWith("FaceRep", StringComparison.OrdinalIgnoreCase)))
            {
                if (!name.StartsWith(SettingsPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{where}: {name} is not a silo setting: they are {SettingsPrefix}Name, with two underscores");
                    continue;
                }

                checkedNames++;
                if (SiloSetting.Find(name, out var why) is null)
                    problems.Add($"{where}: {name}: {why}");
            }
        }

        Assert.True(checkedNames >= 30, $"only {checkedNames} FaceRep__ variables found in the deployment files");
        AssertNone(problems);
    }

    [Fact]
    public void The_silo_accepts_the_settings_of_every_deployment()
    {
        var problems = new List<string>();
        foreach (var (where, kind, variables) in SettingSources().Where(s => s.Kind != SourceKind.Fragment))
        {
            SiloSettings settings;
            try
            {
                settings = SiloSetting.Bind(variables);
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{where}: {e.Message}{(e.InnerException is null ? "" : " " + e.InnerException.Message)}");
                continue;
            }

            // Validate() wants DatasetRoots to exist here; in the deployment they are on the shared volume.
            foreach (var root in FaceRep.Grid.Datasets.DatasetRootRegistration.Roots(settings.DatasetRoots).Where(r => !r.StartsWith('/')))
                problems.Add($"{where}: DatasetRoots entry '{root}' is not an absolute path");
            settings.DatasetRoots = null;
            problems.AddRange(settings.Validate().Select(p => $"{where}: {p}"));

            // A deployment runs many silos: membership, state and results must be shared.
            if (kind == SourceKind.Cluster)
            {
                foreach (var (setting, value, wanted) in new[] { ("Clustering", settings.Clustering, "redis"), ("State", settings.State, "redis"), ("Results", settings.Results, "postgres") })
                {
                    if (value != wanted)
                        problems.Add($"{where}: {SettingsPrefix}{setting} is '{value}'; a cluster of silos needs '{wanted}'");
                }
            }
        }

        AssertNone(problems);
    }

    // ---------------------------------------------------------------------------------------
    // (d) Kubernetes
    // ---------------------------------------------------------------------------------------

    [Fact]
    public void The_Kubernetes_silos_carry_what_Orleans_Kubernetes_hosting_and_draining_need()
    {
        var objects = K8s.Objects();
        var deployments = objects.Where(o => o.Kind == "Deployment").ToList();
        Assert.True(deployments.Count >= 2, "expected the CPU and the GPU silo Deployments");
        var problems = new List<string>();

        foreach (var deployment in deployments)
        {
            var where = $"{deployment.File}: Deployment {deployment.Name}";
            var template = deployment.Body["spec"]?["template"];
            var labels = template?["metadata"]?["labels"]?.AsObject() ?? [];
            foreach (var (key, value) in deployment.Body["spec"]?["selector"]?["matchLabels"]?.AsObject() ?? [])
            {
                if (Text(labels[key]) != Text(value))
                    problems.Add($"{where}: selector {key}={Text(value)} does not match the pod labels");
            }

            var pod = template?["spec"];
            var containers = pod?["containers"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
            var silo = containers.FirstOrDefault(c => c["env"]?.AsArray().Any(e => Text(e?["name"]) == SettingsPrefix + "Kubernetes") == true);
            if (silo is null)
            {
                problems.Add($"{where}: no container sets {SettingsPrefix}Kubernetes");
                continue;
            }

            var settings = K8s.Variables(silo, objects);
            if (settings.GetValueOrDefault(SettingsPrefix + "Kubernetes")?.ToUpperInvariant() != "TRUE")
                problems.Add($"{where}: {SettingsPrefix}Kubernetes is not true, so the silo ignores its pod");
            foreach (var (label, setting) in new[] { ("orleans/clusterId", "ClusterId"), ("orleans/serviceId", "ServiceId") })
            {
                if (Text(labels[label]) is not { } value)
                    problems.Add($"{where}: the pods have no {label} label");
                else if (settings.GetValueOrDefault(SettingsPrefix + setting) is { } configured && configured != value)
                    problems.Add($"{where}: label {label}={value} but {SettingsPrefix}{setting}={configured}");
            }

            var env = silo["env"]?.AsArray().OfType<JsonObject>().ToDictionary(e => Text(e["name"])!, e => e, StringComparer.Ordinal) ?? [];
            foreach (var (variable, field) in new[] { ("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_IP", "status.podIP"), ("ORLEANS_CLUSTER_ID", "metadata.labels['orleans/clusterId']"), ("ORLEANS_SERVICE_ID", "metadata.labels['orleans/serviceId']") })
            {
                var fieldPath = Text(env.GetValueOrDefault(variable)?["valueFrom"]?["fieldRef"]?["fieldPath"]);
                if (fieldPath != field)
                    problems.Add($"{where}: {variable} does not come from the downward API fieldRef {field} (found {fieldPath ?? "none"})");
            }

            if (!int.TryParse(settings.GetValueOrDefault(SettingsPrefix + "HttpPort"), CultureInfo.InvariantCulture, out var httpPort) || httpPort == 0)
            {
                problems.Add($"{where}: {SettingsPrefix}HttpPort is not set to a port, so there is no /health to probe");
            }
            else
            {
                // /health is readiness (503 until the silo is an active member and while it drains);
                // liveness must be another /health endpoint, or the kubelet kills draining silos.
                foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
                {
                    if (silo[probe] is null && probe == "startupProbe")
                        continue;
                    var get = silo[probe]?["httpGet"];
                    var path = Text(get?["path"]) ?? "";
                    if (!path.StartsWith("/health", StringComparison.Ordinal) || K8s.ContainerPort(silo, get?["port"]) != httpPort)
                        problems.Add($"{where}: {probe} does not GET a /health endpoint on the HTTP port {httpPort} (found {path} on {get?["port"]?.ToJsonString() ?? "no port"})");
                    else if (probe == "readinessProbe" && path != "/health")
                        problems.Add($"{where}: readinessProbe GETs {path}, not /health, so a draining silo stays in the Service");
                    else if (probe != "readinessProbe" && path == "/health")
                        problems.Add($"{where}: {probe} GETs the readiness endpoint /health, which answers 503 while the silo drains: the kubelet would kill it mid-drain (use /health/live)");
                }
            }

            if (!double.TryParse(settings.GetValueOrDefault(SettingsPrefix + "DrainSeconds"), CultureInfo.InvariantCulture, out var drain))
                problems.Add($"{where}: {SettingsPrefix}DrainSeconds is not set");
            else if (!(pod?["terminationGracePeriodSeconds"] is JsonValue grace && grace.GetValue<double>() > drain + LeaveSeconds))
                problems.Add($"{where}: terminationGracePeriodSeconds ({pod?["terminationGracePeriodSeconds"]?.ToJsonString() ?? "30 by default"}) is not longer than DrainSeconds + {LeaveSeconds} ({drain + LeaveSeconds})");

            var account = Text(pod?["serviceAccountName"]);
            if (account is null)
                problems.Add($"{where}: no serviceAccountName, so the pods run as 'default' without the pod permissions Orleans needs");
            else if (K8s.PodVerbs(account, objects) is var verbs && PodVerbsOrleansNeeds.Except(verbs).ToList() is { Count: > 0 } missing)
                problems.Add($"{where}: service account {account} is not granted pods {string.Join("/", missing)} by a Role bound to it");

            foreach (var source in silo["envFrom"]?.AsArray() ?? [])
            {
                foreach (var (reference, kind) in new[] { ("configMapRef", "ConfigMap"), ("secretRef", "Secret") })
                {
                    if (Text(source?[reference]?["name"]) is { } name && !objects.Any(o => o.Kind == kind && o.Name == name))
                        problems.Add($"{where}: envFrom {kind} {name} is defined nowhere in deploy/k8s");
                }
            }

            var volumes = pod?["volumes"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
            var shared = silo["volumeMounts"]?.AsArray().FirstOrDefault(m => Text(m?["mountPath"]) == "/shared");
            var claim = Text(volumes.FirstOrDefault(v => Text(v["name"]) == Text(shared?["name"]))?["persistentVolumeClaim"]?["claimName"]);
            var pvc = objects.FirstOrDefault(o => o.Kind == "PersistentVolumeClaim" && o.Name == claim);
            if (pvc is null)
                problems.Add($"{where}: /shared is not a PersistentVolumeClaim defined in deploy/k8s");
            else if (pvc.Body["spec"]?["accessModes"]?.AsArray().Any(m => Text(m) == "ReadWriteMany") != true)
                problems.Add($"{where}: claim {claim} is not ReadWriteMany, so silos on different nodes cannot share it");
        }

        if (!deployments.Any(d => d.Body["spec"]?["template"]?["spec"]?["containers"]?.AsArray().Any(c => c?["resources"]?["limits"]?["nvidia.com/gpu"] is not null) == true))
            problems.Add("no Deployment asks for an nvidia.com/gpu");

        var scraped = objects.Where(o => o.Kind == "Service" && Text(o.Body["metadata"]?["annotations"]?["prometheus.io/scrape"]) == "true").ToList();
        if (scraped.Count == 0)
            problems.Add("no Service carries prometheus.io/scrape: \"true\"");
        foreach (var deployment in deployments)
        {
            var labels = deployment.Body["spec"]?["template"]?["metadata"]?["labels"]?.AsObject() ?? [];
            var service = scraped.FirstOrDefault(s => s.Body["spec"]?["selector"]?.AsObject().All(kv => Text(labels[kv.Key]) == Text(kv.Value)) == true);
            var silo = deployment.Body["spec"]?["template"]?["spec"]?["containers"]?[0];
            if (service is null)
            {
                problems.Add($"{deployment.File}: no scraped Service selects the pods of Deployment {deployment.Name}");
                continue;
            }

            var port = Text(service.Body["metadata"]?["annotations"]?["prometheus.io/port"]);
            var http = silo is JsonObject container ? K8s.Variables(container, objects).GetValueOrDefault(SettingsPrefix + "HttpPort") : null;
            if (port != http)
                problems.Add($"{service.File}: prometheus.io/port {port} is not the HTTP port {http} of Deployment {deployment.Name}");
            if (service.Body["spec"]?["ports"]?.AsArray().Any(p => silo is JsonObject c && K8s.ContainerPort(c, p?["targetPort"] ?? p?["port"]) == int.Parse(http ?? "0", CultureInfo.InvariantCulture)) != true)
                problems.Add($"{service.File}: Service {service.Name} does not forward to the HTTP port of Deployment {deployment.Name}");
        }

        AssertNone(problems);
    }

    [Fact]
    public void The_kustomization_lists_every_manifest_but_the_secret_template_and_only_files_that_exist()
    {
        var directory = Path.Combine(Repo.Root, "deploy", "k8s");
        var kustomization = Yaml.Load(Path.Combine(directory, "kustomization.yaml")).Single()!;
        var resources = kustomization["resources"]?.AsArray().Select(Text).ToList() ?? [];
        Assert.NotEmpty(resources);

        var problems = new List<string>();
        problems.AddRange(resources.Where(r => !File.Exists(Path.Combine(directory, r!))).Select(r => $"kustomization.yaml lists {r}, which does not exist"));
        var manifests = Directory.EnumerateFiles(directory, "*.yaml").Select(Path.GetFileName)
            .Where(f => f != "kustomization.yaml" && !f!.Contains(".example.", StringComparison.Ordinal));
        problems.AddRange(manifests.Where(m => !resources.Contains(m)).Select(m => $"kustomization.yaml does not list {m}"));
        problems.AddRange(resources.Where(r => r!.Contains(".example.", StringComparison.Ordinal)).Select(r => $"kustomization.yaml lists the template {r}: applying would overwrite the real object with placeholders"));
        AssertNone(problems);
    }

    // ---------------------------------------------------------------------------------------
    // (e) Dockerfiles
    // ---------------------------------------------------------------------------------------

    [Fact]
    public void Every_Dockerfile_is_multi_stage_runs_as_a_user_and_copies_only_paths_that_exist()
    {
        var dockerfiles = Repo.Dockerfiles();
        Assert.True(dockerfiles.Count >= 3, $"expected the silo (cpu, gpu) and cli Dockerfiles under deploy/docker, found {dockerfiles.Count}");
        var ignore = DockerIgnore.Load(Path.Combine(Repo.Root, ".dockerignore"));
        var problems = new List<string>();

        foreach (var file in dockerfiles)
        {
            var where = Repo.Relative(file);
            var dockerfile = Dockerfile.Parse(file);
            if (dockerfile.Stages.Count < 2)
                problems.Add($"{where}: {dockerfile.Stages.Count} FROM; build in an SDK stage and run in a runtime stage");
            var final = dockerfile.Stages[^1];
            var user = final.LastOrDefault(i => i.Keyword == "USER")?.Arguments.Split(':')[0];
            if (user is null or "root" or "0")
                problems.Add($"{where}: the final stage runs as {user ?? "root (no USER)"}");

            foreach (var copy in dockerfile.Stages.SelectMany(s => s).Where(i => i.Keyword is "COPY" or "ADD"))
            {
                var (flags, sources, _) = Dockerfile.CopyArguments(copy);
                if (flags.Any(f => f.StartsWith("--from=", StringComparison.Ordinal)))
                    continue;
                foreach (var source in sources)
                {
                    if (!Repo.Exists(source))
                        problems.Add($"{where}:{copy.Line}: COPY {source}: no such path in the repository");
                    else if (ignore.Excludes(source))
                        problems.Add($"{where}:{copy.Line}: COPY {source}: excluded from the build context by .dockerignore");
                }
            }

            if (Path.GetFileName(file).Contains("silo", StringComparison.Ordinal))
            {
                var defaults = new SiloSettings();
                var environment = dockerfile.Environment();
                var exposed = final.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => p.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
                var wanted = new[] { defaults.SiloPort.ToString(CultureInfo.InvariantCulture), defaults.GatewayPort.ToString(CultureInfo.InvariantCulture), environment.GetValueOrDefault(SettingsPrefix + "HttpPort") ?? "(FaceRep__HttpPort not set)" };
                problems.AddRange(wanted.Where(p => !exposed.Contains(p)).Select(p => $"{where}: does not EXPOSE {p}"));
            }
        }

        AssertNone(problems);
    }

    [Fact]
    public void Every_Dockerfile_restores_from_the_project_files_alone_then_publishes_Release_without_restoring()
    {
        var problems = new List<string>();
        // The libtorch properties: TorchDevice switches the build, LibTorchPackage/LibTorchVersion follow from it.
        var torchProperties = XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props")).Descendants()
            .Select(e => e.Name.LocalName).Where(IsTorchProperty).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("TorchDevice", torchProperties);
        Assert.Contains("LibTorchPackage", torchProperties);

        foreach (var file in Repo.Dockerfiles())
        {
            var where = Repo.Relative(file);
            var dockerfile = Dockerfile.Parse(file);
            var build = dockerfile.Stages.FirstOrDefault(s => s.Any(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal)));
            if (build is null)
            {
                problems.Add($"{where}: no stage runs dotnet restore");
                continue;
            }

            var restoreAt = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
            var restore = build[restoreAt];
            var publish = build.FirstOrDefault(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
            var project = Dockerfile.DotnetProject(restore.Arguments, "restore");
            if (project is null || !File.Exists(Path.Combine(Repo.Root, project)))
            {
                problems.Add($"{where}:{restore.Line}: dotnet restore of '{project}', which is not a project file in the repository");
                continue;
            }

            // The restore layer: only what MSBuild reads to restore, each copied to its own place.
            var copied = new List<string>();
            foreach (var copy in build.Take(restoreAt).Where(i => i.Keyword == "COPY"))
            {
                var (flags, sources, destination) = Dockerfile.CopyArguments(copy);
                if (flags.Any(f => f.StartsWith("--from=", StringComparison.Ordinal)))
                    continue;
                foreach (var source in sources)
                {
                    copied.Add(source.TrimEnd('/'));
                    var expected = Directory.Exists(Path.Combine(Repo.Root, source)) ? source.TrimEnd('/') : Path.GetDirectoryName(source)!.Replace('\\', '/');
                    if (Repo.Normalise(destination) != expected)
                        problems.Add($"{where}:{copy.Line}: COPY {source} {destination} does not put it where it is in the repository ({(expected.Length == 0 ? "./" : expected + "/")})");
                    if ((source.StartsWith("src/", StringComparison.Ordinal) && Directory.Exists(Path.Combine(Repo.Root, source))) || source is "." or "./")
                        problems.Add($"{where}:{copy.Line}: COPY {source} before the restore: any source change then repeats the restore");
                }
            }

            foreach (var needed in MsBuildInputs.ForRestore(project))
            {
                if (!copied.Any(c => c == needed || needed.StartsWith(c + "/", StringComparison.Ordinal) || Repo.GlobMatches(c, needed)))
                    problems.Add($"{where}: {needed} is not copied before 'dotnet restore {project}'");
            }

            if (publish is null)
            {
                problems.Add($"{where}: no dotnet publish");
                continue;
            }

            var publishArguments = Dockerfile.Words(publish.Arguments);
            if (Dockerfile.DotnetProject(publish.Arguments, "publish") != project)
                problems.Add($"{where}:{publish.Line}: publishes another project than it restores ({project})");
            if (!publishArguments.Contains("--no-restore"))
                problems.Add($"{where}:{publish.Line}: publish without --no-restore restores again");
            if (!Regex.IsMatch(publish.Arguments, @"(-c|--configuration)\s+Release\b"))
                problems.Add($"{where}:{publish.Line}: publish is not -c Release");

            // Restore and publish must agree on every property that changes package references.
            var restoreProperties = Dockerfile.Words(restore.Arguments).Where(w => w.StartsWith("-p:", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            var publishProperties = publishArguments.Where(w => w.StartsWith("-p:", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            if (!restoreProperties.SequenceEqual(publishProperties))
                problems.Add($"{where}: restore sets [{string.Join(" ", restoreProperties)}] but publish sets [{string.Join(" ", publishProperties)}]; publish --no-restore then fails on the assets file");
            foreach (var property in restoreProperties.Select(p => p[3..].Split('=')[0]).Where(p => !torchProperties.Contains(p) && IsTorchProperty(p)))
                problems.Add($"{where}: -p:{property} is not a property of Directory.Build.props ({string.Join(", ", torchProperties)})");

            // An empty -p:LibTorchPackage= would be a global property, which Directory.Build.props cannot default.
            foreach (var property in restoreProperties.Select(dockerfile.Expand).Where(p => IsTorchProperty(p[3..].Split('=')[0]) && p.EndsWith('=')))
                problems.Add($"{where}: {property} sets it empty for every project (a lab's override is a build argument read from the environment)");

            var device = restoreProperties.Select(dockerfile.Expand).LastOrDefault(p => p.StartsWith("-p:TorchDevice=", StringComparison.Ordinal));
            var wanted = Path.GetFileName(file).Contains("gpu", StringComparison.Ordinal) ? "-p:TorchDevice=cuda" : null;
            if (wanted is not null && !string.Equals(device, wanted, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{where}: the GPU image does not build with {wanted} (found {device ?? "none"}), so it links libtorch-cpu");
            if (wanted is null && device is not null && !string.Equals(device, "-p:TorchDevice=cpu", StringComparison.OrdinalIgnoreCase))
                problems.Add($"{where}: builds with {device}; only the GPU image switches to CUDA");
        }

        AssertNone(problems);
    }

    /// <summary>The MSBuild properties that choose libtorch (Directory.Build.props).</summary>
    private static bool IsTorchProperty(string name) => name == "TorchDevice" || name.StartsWith("LibTorch", StringComparison.Ordinal);

    // ---------------------------------------------------------------------------------------
    // Sources of FaceRep__* variables
    // ---------------------------------------------------------------------------------------

    /// <summary>Each set of silo environment variables a deployment file defines, named by where it is.</summary>
    private static List<SettingSource> SettingSources()
    {
        var sources = new List<SettingSource>();
        var services = ComposeDocument()["services"]!.AsObject();
        foreach (var name in ComposeSilos)
        {
            if (services[name] is JsonObject service)
                sources.Add(new($"{ComposeFile}: service {name}", SourceKind.Cluster, Compose.Environment(service)));
        }

        var objects = K8s.Objects();
        foreach (var deployment in objects.Where(o => o.Kind == "Deployment"))
        {
            foreach (var container in deployment.Body["spec"]?["template"]?["spec"]?["containers"]?.AsArray().OfType<JsonObject>() ?? [])
                sources.Add(new($"{deployment.File}: Deployment {deployment.Name}, container {Text(container["name"])}", SourceKind.Cluster, K8s.Variables(container, objects)));
        }

        // ConfigMaps and Secrets not used by a Deployment still have to name settings.
        foreach (var store in objects.Where(o => o.Kind is "ConfigMap" or "Secret"))
            sources.Add(new($"{store.File}: {store.Kind} {store.Name}", SourceKind.Fragment, K8s.Data(store)));
        foreach (var file in Repo.Dockerfiles())
            sources.Add(new(Repo.Relative(file), SourceKind.Image, Dockerfile.Parse(file).Environment()));
        return sources;
    }

    /// <summary>
    /// Where silo variables come from: a whole silo's environment in a cluster (a compose silo
    /// service, a Deployment's container), an image's defaults (Dockerfile ENV), or a fragment
    /// (a ConfigMap or Secret, whose names are checked but which is not a whole configuration).
    /// </summary>
    private enum SourceKind
    {
        Cluster,
        Image,
        Fragment,
    }

    private sealed record SettingSource(string Where, SourceKind Kind, Dictionary<string, string?> Variables);

    private static JsonObject ComposeDocument() => Yaml.Load(Path.Combine(Repo.Root, ComposeFile)).Single()!.AsObject();

    /// <summary>A scalar's text (strings as they are, numbers and booleans as YAML writes them); null for anything else.</summary>
    private static string? Text(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString()
        : null;

    private static void AssertNone(IEnumerable<string> problems)
    {
        var list = problems.ToList();
        Assert.True(list.Count == 0, $"{list.Count} problem(s):\n" + string.Join("\n", list));
    }

    // ---------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------

    /// <summary>The repository: found from the test's output directory by walking up to FaceRep.Grid.sln.</summary>
    private static class Repo
    {
        public static readonly string Root = FindRoot();

        public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

        public static List<string> YamlFiles() =>
            Directory.EnumerateFiles(Path.Combine(Root, "deploy"), "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                .Append(Path.Combine(Root, ComposeFile))
                .Order(StringComparer.Ordinal)
                .ToList();

        public static List<string> Dockerfiles() =>
            Directory.EnumerateFiles(Path.Combine(Root, "deploy"), "Dockerfile*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        /// <summary>A build-context path as written in a Dockerfile, without "./" and trailing "/"; "" for the context itself.</summary>
        public static string Normalise(string path)
        {
            var normalised = path.Replace('\\', '/');
            while (normalised.StartsWith("./", StringComparison.Ordinal))
                normalised = normalised[2..];
            return normalised is "." ? "" : normalised.TrimEnd('/');
        }

        /// <summary>Whether a COPY source exists in the repository (a file, a directory, or a pattern matching a file).</summary>
        public static bool Exists(string source)
        {
            var path = Normalise(source);
            if (path.IndexOfAny(['*', '?', '[']) < 0)
                return File.Exists(Path.Combine(Root, path)) || Directory.Exists(Path.Combine(Root, path));
            var directory = Path.Combine(Root, Path.GetDirectoryName(path) ?? "");
            return Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any(f => GlobMatches(path, Relative(f)));
        }

        /// <summary>Whether a path matches a Dockerfile/.dockerignore pattern (Go's filepath.Match, plus "**" for any directories).</summary>
        public static bool GlobMatches(string pattern, string path)
        {
            var regex = new StringBuilder("^");
            var text = Normalise(pattern).TrimStart('/');
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '*' && i + 1 < text.Length && text[i + 1] == '*')
                {
                    var slash = i + 2 < text.Length && text[i + 2] == '/';
                    regex.Append(slash ? "(.*/)?" : ".*");
                    i += slash ? 2 : 1;
                }
                else
                {
                    regex.Append(c switch
                    {
                        '*' => "[^/]*",
                        '?' => "[^/]",
                        '[' or ']' => c.ToString(),
                        _ => Regex.Escape(c.ToString()),
                    });
                }
            }

            return Regex.IsMatch(Normalise(path), regex.Append('$').ToString(), RegexOptions.None, TimeSpan.FromSeconds(1));
        }

        private static string FindRoot()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "FaceRep.Grid.sln")))
                    return directory.FullName;
            }

            throw new DirectoryNotFoundException($"FaceRep.Grid.sln not found above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>YAML files as JSON trees, with YAML 1.2 core-schema scalars (unquoted 8080 is a number, "8080" a string).</summary>
    private static class Yaml
    {
        public static List<JsonNode?> Load(string path)
        {
            using var reader = new StreamReader(path);
            var stream = new YamlStream();
            stream.Load(reader);
            return stream.Documents.Select(d => ToJson(d.RootNode)).ToList();
        }

        private static JsonNode? ToJson(YamlNode node) => node switch
        {
            YamlMappingNode mapping => new JsonObject(mapping.Children.Select(kv => KeyValuePair.Create(
                kv.Key is YamlScalarNode key ? key.Value ?? "" : throw new InvalidOperationException($"{kv.Key.Start}: a key that is not a scalar"),
                ToJson(kv.Value)))),
            YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
            YamlScalarNode scalar => Scalar(scalar),
            _ => throw new InvalidOperationException($"{node.Start}: unexpected {node.NodeType}"),
        };

        private static JsonNode? Scalar(YamlScalarNode scalar)
        {
            var text = scalar.Value ?? "";
            if (scalar.Style != ScalarStyle.Plain)
                return JsonValue.Create(text);
            if (text is "" or "~" or "null" or "Null" or "NULL")
                return null;
            if (text is "true" or "True" or "TRUE")
                return JsonValue.Create(true);
            if (text is "false" or "False" or "FALSE")
                return JsonValue.Create(false);
            if (Regex.IsMatch(text, "^[-+]?[0-9]+$") && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                return JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture));
            if (Regex.IsMatch(text, @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"))
                return JsonNode.Parse(double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
            return JsonValue.Create(text);
        }
    }

    /// <summary>Reading compose services.</summary>
    private static class Compose
    {
        /// <summary>A service's environment (map or list form), with ${VAR:-default} taken at its default as on a host that sets nothing.</summary>
        public static Dictionary<string, string?> Environment(JsonObject service)
        {
            var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
            switch (service["environment"])
            {
                case JsonObject map:
                    foreach (var (key, value) in map)
                        variables[key] = value is null ? null : Interpolate(Text(value) ?? "");
                    break;
                case JsonArray list:
                    foreach (var item in list.Select(Text).OfType<string>())
                    {
                        var equals = item.IndexOf('=', StringComparison.Ordinal);
                        variables[equals < 0 ? item : item[..equals]] = equals < 0 ? null : Interpolate(item[(equals + 1)..]);
                    }

                    break;
            }

            return variables;
        }

        /// <summary>The host port a ports entry fixes, or null when it publishes the container port only.</summary>
        public static string? FixedHostPort(JsonNode? port)
        {
            if (port is JsonObject longForm)
                return Text(longForm["published"]);
            var text = Text(port) ?? "";
            var parts = text.Split('/')[0].Split(':');
            var host = parts.Length switch { 2 => parts[0], 3 => parts[1], _ => "" };
            return host.Length == 0 ? null : text;
        }

        /// <summary>A service's mounts: (named volume or null for a bind mount, target).</summary>
        public static List<(string? Volume, string Target)> Mounts(JsonObject service)
        {
            var mounts = new List<(string?, string)>();
            foreach (var entry in service["volumes"]?.AsArray() ?? [])
            {
                if (entry is JsonObject longForm)
                {
                    mounts.Add((Text(longForm["type"]) == "volume" ? Text(longForm["source"]) : null, Text(longForm["target"]) ?? ""));
                    continue;
                }

                var parts = (Text(entry) ?? "").Split(':');
                if (parts.Length == 1)
                    mounts.Add((null, parts[0]));
                else
                    mounts.Add((parts[0].StartsWith('.') || parts[0].StartsWith('/') || parts[0].StartsWith('~') ? null : parts[0], parts[1]));
            }

            return mounts;
        }

        private static string Interpolate(string value) =>
            Regex.Replace(value, @"\$\$|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::?[-?](?<default>[^}]*))?\}", m =>
                m.Value == "$$" ? "$" : m.Groups["default"].Value);
    }

    /// <summary>Go-style durations as compose writes them (90s, 1m30s, 500ms).</summary>
    private static class Duration
    {
        public static TimeSpan? Parse(string? text)
        {
            if (text is null || !Regex.IsMatch(text, @"^([0-9]+(\.[0-9]+)?(h|m|s|ms|us|ns))+$"))
                return null;
            var total = TimeSpan.Zero;
            foreach (Match part in Regex.Matches(text, @"([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|ns)"))
            {
                var amount = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
                total += part.Groups[2].Value switch
                {
                    "h" => TimeSpan.FromHours(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    _ => TimeSpan.Zero,
                };
            }

            return total;
        }
    }

    /// <summary>FaceRep__A__B variables against <see cref="SiloSettings"/>, bound as the silo binds them.</summary>
    private static class SiloSetting
    {
        /// <summary>The property a variable sets, or null with the reason.</summary>
        public static PropertyInfo? Find(string variable, out string why)
        {
            var path = variable[SettingsPrefix.Length..].Split("__");
            var type = typeof(SiloSettings);
            PropertyInfo? property = null;
            for (var i = 0; i < path.Length; i++)
            {
                property = type.GetProperty(path[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                if (property is null)
                {
                    why = $"{type.Name} has no property {path[i]} (it has {string.Join(", ", type.GetProperties().Select(p => p.Name))})";
                    return null;
                }

                type = property.PropertyType;
                if (i < path.Length - 1 && IsScalar(type))
                {
                    why = $"{property.Name} is a {type.Name}, not a section with {path[i + 1]} in it";
                    return null;
                }
            }

            if (!IsScalar(type) || property!.SetMethod is not { IsPublic: true })
            {
                why = $"{property!.Name} is a section or cannot be set; name one of its settings";
                return null;
            }

            why = "";
            return property;
        }

        /// <summary>Binds the variables that name settings exactly as the silo's configuration does ("__" is ":").</summary>
        public static SiloSettings Bind(IReadOnlyDictionary<string, string?> variables)
        {
            var values = variables
                .Where(kv => kv.Key.StartsWith(SettingsPrefix, StringComparison.OrdinalIgnoreCase) && Find(kv.Key, out _) is not null)
                .ToDictionary(kv => kv.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), kv => kv.Value, StringComparer.OrdinalIgnoreCase);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
            return configuration.GetSection("FaceRep").Get<SiloSettings>() ?? new SiloSettings();
        }

        private static bool IsScalar(Type type)
        {
            var underlying = Nullable.GetUnderlyingType(type) ?? type;
            return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(decimal) || underlying == typeof(TimeSpan);
        }
    }

    private sealed record K8sObject(string File, string Kind, string Name, JsonObject Body);

    /// <summary>Reading the manifests under deploy/k8s.</summary>
    private static class K8s
    {
        public static List<K8sObject> Objects() =>
            Directory.EnumerateFiles(Path.Combine(Repo.Root, "deploy", "k8s"), "*.yaml")
                .Where(f => Path.GetFileName(f) != "kustomization.yaml")
                .Order(StringComparer.Ordinal)
                .SelectMany(f => Yaml.Load(f).OfType<JsonObject>().Select(d => new K8sObject(Repo.Relative(f), Text(d["kind"]) ?? "", Text(d["metadata"]?["name"]) ?? "", d)))
                .ToList();

        /// <summary>A ConfigMap's data or a Secret's stringData and (decoded) data.</summary>
        public static Dictionary<string, string?> Data(K8sObject store)
        {
            var data = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (key, value) in store.Body["data"]?.AsObject() ?? [])
                data[key] = store.Kind == "Secret" ? Encoding.UTF8.GetString(Convert.FromBase64String(Text(value) ?? "")) : Text(value);
            foreach (var (key, value) in store.Body["stringData"]?.AsObject() ?? [])
                data[key] = Text(value);
            return data;
        }

        /// <summary>A container's environment: envFrom ConfigMaps and Secrets, then env (which wins); valueFrom variables have a null value.</summary>
        public static Dictionary<string, string?> Variables(JsonObject container, List<K8sObject> objects)
        {
            var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var source in container["envFrom"]?.AsArray() ?? [])
            {
                foreach (var (reference, kind) in new[] { ("configMapRef", "ConfigMap"), ("secretRef", "Secret") })
                {
                    var name = Text(source?[reference]?["name"]);
                    foreach (var store in objects.Where(o => o.Kind == kind && o.Name == name))
                    {
                        foreach (var (key, value) in Data(store))
                            variables[Text(source?["prefix"]) + key] = value;
                    }
                }
            }

            foreach (var variable in container["env"]?.AsArray().OfType<JsonObject>() ?? [])
                variables[Text(variable["name"])!] = Text(variable["value"]);
            return variables;
        }

        /// <summary>The container port a probe or Service port names (by number or by name); null when it names none.</summary>
        public static int? ContainerPort(JsonObject container, JsonNode? port)
        {
            if (port is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
                return value.GetValue<int>();
            var name = Text(port);
            var match = container["ports"]?.AsArray().FirstOrDefault(p => Text(p?["name"]) == name);
            return match?["containerPort"] is JsonValue number ? number.GetValue<int>() : null;
        }

        /// <summary>The verbs on core-group pods that Roles bound to a service account grant it.</summary>
        public static HashSet<string> PodVerbs(string serviceAccount, List<K8sObject> objects)
        {
            var verbs = new HashSet<string>(StringComparer.Ordinal);
            if (!objects.Any(o => o.Kind == "ServiceAccount" && o.Name == serviceAccount))
                return verbs;
            var roles = objects
                .Where(o => o.Kind == "RoleBinding" && o.Body["subjects"]?.AsArray().Any(s => Text(s?["kind"]) == "ServiceAccount" && Text(s?["name"]) == serviceAccount) == true)
                .Select(b => (Kind: Text(b.Body["roleRef"]?["kind"]), Name: Text(b.Body["roleRef"]?["name"])));
            foreach (var (kind, name) in roles)
            {
                foreach (var role in objects.Where(o => o.Kind == kind && o.Name == name))
                {
                    foreach (var rule in role.Body["rules"]?.AsArray() ?? [])
                    {
                        if (rule?["apiGroups"]?.AsArray().Any(g => Text(g) is "" or "*") == true && rule["resources"]?.AsArray().Any(r => Text(r) is "pods" or "*") == true)
                            verbs.UnionWith(rule["verbs"]?.AsArray().Select(Text).OfType<string>().SelectMany(v => v == "*" ? PodVerbsOrleansNeeds : [v]) ?? []);
                    }
                }
            }

            return verbs;
        }
    }

    private sealed record Instruction(string Keyword, string Arguments, int Line);

    /// <summary>A Dockerfile as instructions grouped by stage (continuation lines joined, comments dropped).</summary>
    private sealed class Dockerfile
    {
        private readonly Dictionary<string, string> _arguments = new(StringComparer.Ordinal);

        public List<List<Instruction>> Stages { get; } = [];

        public static Dockerfile Parse(string path)
        {
            var dockerfile = new Dockerfile();
            var pending = new StringBuilder();
            var start = 0;
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].TrimEnd();
                if (line.TrimStart().StartsWith('#') || pending.Length == 0 && line.Length == 0)
                    continue;
                if (pending.Length == 0)
                    start = i + 1;
                if (line.EndsWith('\\'))
                {
                    pending.Append(line[..^1]).Append(' ');
                    continue;
                }

                var text = pending.Append(line).ToString().Trim();
                pending.Clear();
                var space = text.IndexOfAny([' ', '\t']);
                var instruction = space < 0
                    ? new Instruction(text.ToUpperInvariant(), "", start)
                    : new Instruction(text[..space].ToUpperInvariant(), text[(space + 1)..].Trim(), start);
                if (instruction.Keyword == "FROM")
                    dockerfile.Stages.Add([]);
                if (instruction.Keyword == "ARG")
                {
                    var (name, value) = (instruction.Arguments.Split('=', 2)[0], instruction.Arguments.Split('=', 2).ElementAtOrDefault(1));
                    if (value is not null)
                        dockerfile._arguments[name] = value;
                }

                if (dockerfile.Stages.Count > 0)
                    dockerfile.Stages[^1].Add(instruction);
            }

            return dockerfile;
        }

        /// <summary>The instruction's words, shell-style (no quoting needed in our Dockerfiles).</summary>
        public static List<string> Words(string arguments) => arguments.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();

        /// <summary>A COPY's flags, sources and destination (shell or JSON form).</summary>
        public static (List<string> Flags, List<string> Sources, string Destination) CopyArguments(Instruction copy)
        {
            var words = copy.Arguments.TrimStart().StartsWith('[')
                ? JsonSerializer.Deserialize<List<string>>(copy.Arguments)!
                : Words(copy.Arguments);
            var flags = words.TakeWhile(w => w.StartsWith("--", StringComparison.Ordinal)).ToList();
            var paths = words.Skip(flags.Count).ToList();
            return (flags, paths.Take(paths.Count - 1).ToList(), paths.Count > 0 ? paths[^1] : "");
        }

        /// <summary>The project a "dotnet restore/publish PROJECT …" command names.</summary>
        public static string? DotnetProject(string run, string verb)
        {
            var words = Words(run);
            var at = words.FindIndex(w => w == verb);
            return at < 0 ? null : words.Skip(at + 1).FirstOrDefault(w => !w.StartsWith('-'));
        }

        /// <summary>${ARG} and $ARG replaced by the ARG defaults.</summary>
        public string Expand(string text) =>
            Regex.Replace(text, @"\$\{(\w+)\}|\$(\w+)", m => _arguments.GetValueOrDefault(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) ?? m.Value);

        /// <summary>The ENV variables of the final stage (KEY=value pairs or the old "ENV KEY value" form).</summary>
        public Dictionary<string, string?> Environment()
        {
            var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var env in Stages.Count == 0 ? [] : Stages[^1].Where(i => i.Keyword == "ENV"))
            {
                var words = Words(env.Arguments);
                if (words.Count > 0 && !words[0].Contains('=', StringComparison.Ordinal))
                {
                    variables[words[0]] = string.Join(" ", words.Skip(1));
                    continue;
                }

                foreach (var word in words)
                {
                    var pair = word.Split('=', 2);
                    variables[pair[0]] = pair.Length > 1 ? pair[1].Trim('"') : "";
                }
            }

            return variables;
        }
    }

    /// <summary>What MSBuild reads to restore a project: the project files it references, the Directory.Build files above them, central versions and the SDK pin.</summary>
    private static class MsBuildInputs
    {
        public static SortedSet<string> ForRestore(string project)
        {
            var needed = new SortedSet<string>(StringComparer.Ordinal) { "global.json", "Directory.Packages.props" };
            var pending = new Stack<string>([Repo.Normalise(project)]);
            while (pending.TryPop(out var current))
            {
                if (!needed.Add(current))
                    continue;
                var directory = Path.GetDirectoryName(Path.Combine(Repo.Root, current))!;
                foreach (var reference in XDocument.Load(Path.Combine(Repo.Root, current)).Descendants("ProjectReference"))
                    pending.Push(Repo.Relative(Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')))));
                for (var up = new DirectoryInfo(directory); up is not null && up.FullName.Length >= Repo.Root.Length; up = up.Parent)
                {
                    foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets" }.Select(f => Path.Combine(up.FullName, f)).Where(File.Exists))
                    {
                        needed.Add(Repo.Relative(file));
                        foreach (var import in XDocument.Load(file).Descendants("Import").Select(i => i.Attribute("Project")?.Value ?? ""))
                        {
                            var path = import.Replace("$(MSBuildThisFileDirectory)", up.FullName + "/", StringComparison.Ordinal);
                            if (!path.Contains("$(", StringComparison.Ordinal) && File.Exists(path))
                                needed.Add(Repo.Relative(Path.GetFullPath(path)));
                        }
                    }
                }
            }

            return needed;
        }
    }

    /// <summary>.dockerignore: a path is left out of the build context when it or a parent matches the last matching pattern, unless that pattern is a "!" exception.</summary>
    private sealed class DockerIgnore(List<(string Pattern, bool Exception)> patterns)
    {
        public static DockerIgnore Load(string path) => new(!File.Exists(path)
            ? []
            : File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(l => l.StartsWith('!') ? (l[1..], true) : (l, false)).ToList());

        public bool Excludes(string source)
        {
            var path = Repo.Normalise(source);
            var excluded = false;
            foreach (var (pattern, exception) in patterns)
            {
                for (var candidate = path; candidate.Length > 0; candidate = Path.GetDirectoryName(candidate)?.Replace('\\', '/') ?? "")
                {
                    if (Repo.GlobMatches(pattern, candidate))
                    {
                        excluded = !exception;
                        break;
                    }
                }
            }

            return excluded;
        }
    }

    /// <summary>
    /// The Compose Specification's JSON schema (Schemas/compose-spec.json, see Schemas/README.md),
    /// evaluated by JsonSchema.Net with formats required: its own formats "duration", "ports" and
    /// "expose" are registered here, so they are checked rather than passed as unknown.
    /// </summary>
    private static class ComposeSchema
    {
        private static readonly Regex PortMapping = new(@"^(([0-9.]+|\[[0-9a-fA-F:]+\]):)?(\$?[0-9]*(-[0-9]+)?:)?[0-9]+(-[0-9]+)?(/(tcp|udp|sctp))?$");

        private static readonly Regex ExposedPort = new(@"^[0-9]+(-[0-9]+)?(/(tcp|udp|sctp))?$");

        /// <summary>
        /// The schema names its dialect "http://json-schema.org/draft/2019-09/schema#", not the
        /// draft's own id, and keeps draft-04's "id" beside "$id": that name is registered as Draft
        /// 2019-09 with keywords it does not define read as annotations (as the draft says).
        /// </summary>
        private static readonly Lazy<JsonSchema> Schema = new(() =>
        {
            var dialect = Dialect.Draft201909.With([], new Uri("http://json-schema.org/draft/2019-09/schema#"), allowUnknownKeywords: true);
            var dialects = new DialectRegistry();
            dialects.Register(dialect);
            var text = File.ReadAllText(Path.Combine(Repo.Root, "tests", "FaceRep.Cluster.Tests", "Schemas", "compose-spec.json"));
            return JsonSchema.FromText(text, new BuildOptions { Dialect = dialect, DialectRegistry = dialects });
        });

        /// <summary>Every schema violation as "instance location: what is wrong" (an empty list when the document is valid).</summary>
        public static List<string> Validate(JsonNode? document)
        {
            var formats = new FormatRegistry();
            formats.Register(new PredicateFormat("duration", e => e.ValueKind != JsonValueKind.String || Duration.Parse(e.GetString()) is not null));
            formats.Register(new PredicateFormat("ports", e => IsPort(e, PortMapping)));
            formats.Register(new PredicateFormat("expose", e => IsPort(e, ExposedPort)));
            var options = new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true, FormatRegistry = formats };
            var errors = new List<string>();
            Collect(Schema.Value.Evaluate(JsonSerializer.SerializeToElement(document), options), errors);
            return errors.Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>
        /// The errors under a failed result, followed only into failed children: an alternative of a
        /// oneOf or anyOf that the document did not take fails without the document being wrong.
        /// </summary>
        private static void Collect(EvaluationResults result, List<string> errors)
        {
            if (result.IsValid)
                return;
            foreach (var (keyword, message) in result.Errors ?? new Dictionary<string, string>())
                errors.Add($"{result.InstanceLocation}: {keyword}: {message} (schema {result.EvaluationPath})");
            foreach (var child in result.Details ?? [])
                Collect(child, errors);
        }

        private static bool IsPort(JsonElement value, Regex pattern) => value.ValueKind switch
        {
            JsonValueKind.String => pattern.IsMatch(value.GetString()!),
            JsonValueKind.Number => value.TryGetInt32(out var port) && port is >= 0 and <= 65535,
            _ => true,
        };
    }
}
