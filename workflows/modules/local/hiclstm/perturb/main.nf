process HICLSTM_PERTURB {
    tag "${meta.id}:${edit.id}"
    label 'process_medium'
    label 'process_gpu'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    tuple val(meta), path(model), val(edit), path(sites), path(anchors)
    path(tads)

    output:
    tuple val(meta), val(edit), path("${prefix}.perturbations.parquet"), emit: perturbations
    tuple val(meta), val(edit), path("${prefix}.*.png")                , emit: plots
    path "versions.yml"                                                , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.${edit.id}"
    def device = task.accelerator ? 'cuda' : params.device
    def at = edit.at ? "--at ${edit.at}" : ''
    def site_bed = sites ? "--sites ${sites}" : ''
    def loop_anchors = anchors ? "--anchors ${anchors}" : ''
    def method = edit.method ? "--method ${edit.method}" : ''
    def neighbours = edit.neighbours ? "--neighbours ${edit.neighbours}" : ''
    def max_distance = edit.max_distance ? "--max-distance ${edit.max_distance}" : ''
    def tad_profile = tads ? "--tads ${tads}" : ''
    """
    hiclstm-perturb \\
        ${model} \\
        --edit ${edit.edit} \\
        ${at} \\
        ${site_bed} \\
        ${loop_anchors} \\
        ${method} \\
        ${neighbours} \\
        --window ${edit.window} \\
        ${max_distance} \\
        ${tad_profile} \\
        --device ${device} \\
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
    touch ${prefix}.perturbations.parquet ${prefix}.difference.png ${prefix}.perturbation.png
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-perturb --version | sed 's/^hiclstm-perturb //')
    END_VERSIONS
    """
}
