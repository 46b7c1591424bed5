process HICLSTM_PERTURB {
    tag "${meta.id}:${edit.id}"
    label 'process_medium'
    label 'process_gpu'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    // observed_wt, observed_mutant: observed maps (contacts tables) to compare a window edit with.
    tuple val(meta), path(model), val(edit), path(sites), path(anchors), path(observed_wt, stageAs: 'observed_wt/*'), path(observed_mutant, stageAs: 'observed_mutant/*')
    path(tads)

    output:
    // Knockouts edit each site alone (site effects) unless `together`; other edits compare a
    // window (perturbations).
    tuple val(meta), val(edit), path("${prefix}.perturbations.parquet"), optional: true, emit: perturbations
    tuple val(meta), val(edit), path("${prefix}.site_effects.parquet") , optional: true, emit: site_effects
    tuple val(meta), val(edit), path("${prefix}.*.png")                , emit: plots
    // With TADs, window edits: the TAD-scaled 2-D aggregate (Fig. 8c).
    tuple val(meta), val(edit), path("${prefix}.tad_aggregate.parquet"), optional: true, emit: tad_aggregate
    // Per-loop CTCF swaps: the mean change around the loop pixels (APA-like aggregate).
    tuple val(meta), val(edit), path("${prefix}.loop_aggregate.parquet"), optional: true, emit: loop_aggregate
    // With the edit's observed/observed_mutant maps: the predicted edit against the observed one.
    tuple val(meta), val(edit), path("${prefix}.observed_comparison.parquet"), optional: true, emit: observed
    // Window edits with --cooler (params.cooler): wt, mutant and difference maps.
    tuple val(meta), val(edit), path("${prefix}.*.{cool,mcool}"), optional: true, emit: maps
    path "versions.yml"                                                , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.${edit.id}"
    // A TAD profile needs a window's maps: per-site knockouts and per-loop swaps have none.
    def tad_profile = tads && !(edit.edit == 'knockout' && !edit.together) && !edit.orientation ? "--tads ${tads}" : ''
    // The edit as hiclstm-perturb --edit-spec reads it: the keys of one entry of the edits
    // list of the params, absent ones left out; sites and anchors name the staged files.
    def at           = edit.at != null ? "at: '${edit.at}'" : ''
    def site_bed     = sites ? "sites: '${sites}'" : ''
    def loop_anchors = anchors ? "anchors: '${anchors}'" : ''
    def method       = edit.method != null ? "method: ${edit.method}" : ''
    def neighbours   = edit.neighbours != null ? "neighbours: ${edit.neighbours}" : ''
    def orientation  = edit.orientation != null ? "orientation: ${edit.orientation}" : ''
    def together     = edit.together ? 'together: true' : ''
    def window       = edit.window != null ? "window: '${edit.window}'" : ''
    def max_distance = edit.max_distance != null ? "max_distance: ${edit.max_distance}" : ''
    def observed     = observed_wt ? "observed: '${observed_wt}'" : ''
    def observed_mut = observed_mutant ? "observed_mutant: '${observed_mutant}'" : ''
    """
    cat <<-'END_EDIT' > edit.yaml
    id: '${edit.id}'
    edit: ${edit.edit}
    ${at}
    ${site_bed}
    ${loop_anchors}
    ${method}
    ${neighbours}
    ${orientation}
    ${together}
    ${window}
    ${max_distance}
    ${observed}
    ${observed_mut}
    END_EDIT

    hiclstm-perturb \\
        ${model} \\
        --edit-spec edit.yaml \\
        ${tad_profile} \\
        --plots \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-perturb --version | sed 's/^hiclstm-perturb //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.${edit.id}"
    """
    if [ "${edit.edit}" = knockout ] && [ "${edit.together ? 'true' : ''}" != true ]; then
        touch ${prefix}.site_effects.parquet ${prefix}.site_profile.png
    elif [ -n "${edit.orientation ?: ''}" ]; then
        touch ${prefix}.perturbations.parquet ${prefix}.loop_swap.png ${prefix}.loop_aggregate.parquet ${prefix}.loop_aggregate.png
    else
        touch ${prefix}.perturbations.parquet ${prefix}.difference.png ${prefix}.perturbation.png
    fi
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-perturb --version | sed 's/^hiclstm-perturb //')
    END_VERSIONS
    """
}
