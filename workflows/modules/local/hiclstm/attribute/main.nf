process HICLSTM_ATTRIBUTE {
    tag "$meta.id"
    label 'process_high'
    label 'process_gpu'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    // chrom: one chromosome of a run scattered by chromosome (joined by HICLSTM_ATTRIBUTE_MERGE),
    // or '' for all of them.
    tuple val(meta), path(model), path(contacts), path(bins), val(chrom)
    val(element_names)
    path(element_beds, stageAs: 'elements?/*')
    path(tads)

    output:
    tuple val(meta), path("${prefix}.attributions.parquet"), path("${prefix}.attributions.bedGraph"), emit: attributions
    tuple val(meta), path("${prefix}.attributions.z.bedGraph")                                      , emit: z_track
    tuple val(meta), path("${prefix}.attributions.{bw,z.bw}")                                      , emit: bigwig
    tuple val(meta), path("${prefix}.attribution_summary.parquet")                                  , emit: summary, optional: true
    tuple val(meta), path("${prefix}.*.png")                                                        , emit: plots, optional: true
    path "versions.yml"                                                                             , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def part = chrom ? ".${chrom}" : ''
    prefix = task.ext.prefix ?: "${meta.id}${part}"
    def only = chrom ? "--chromosomes ${chrom}" : ''
    def elements = element_names ? '--elements ' + [element_names, element_beds instanceof List ? element_beds : [element_beds]].transpose().collect { name, bed -> "${name}=${bed}" }.join(' ') : ''
    def tad_profile = tads ? "--tads ${tads}" : ''
    """
    hiclstm-attribute \\
        ${model} \\
        --contacts ${contacts} \\
        ${only} \\
        ${elements} \\
        ${tad_profile} \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-attribute --version | sed 's/^hiclstm-attribute //')
    END_VERSIONS
    """

    stub:
    def part = chrom ? ".${chrom}" : ''
    prefix = task.ext.prefix ?: "${meta.id}${part}"
    """
    touch ${prefix}.attributions.parquet ${prefix}.attributions.bedGraph ${prefix}.attributions.z.bedGraph ${prefix}.attributions.bw ${prefix}.attributions.z.bw
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-attribute --version | sed 's/^hiclstm-attribute //')
    END_VERSIONS
    """
}

// Joins the per-chromosome tables of a scattered attribution into the tables one task writes
// (normalised over all chromosomes), with the element-set and TAD summaries.
process HICLSTM_ATTRIBUTE_MERGE {
    tag "$meta.id"
    label 'process_low'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    tuple val(meta), path(model), path(parts, stageAs: 'parts?/*')
    val(element_names)
    path(element_beds, stageAs: 'elements?/*')
    path(tads)

    output:
    tuple val(meta), path("${prefix}.attributions.parquet"), path("${prefix}.attributions.bedGraph"), emit: attributions
    tuple val(meta), path("${prefix}.attributions.z.bedGraph")                                      , emit: z_track
    tuple val(meta), path("${prefix}.attributions.{bw,z.bw}")                                      , emit: bigwig
    tuple val(meta), path("${prefix}.attribution_summary.parquet")                                  , emit: summary, optional: true
    tuple val(meta), path("${prefix}.*.png")                                                        , emit: plots, optional: true
    path "versions.yml"                                                                             , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def elements = element_names ? '--elements ' + [element_names, element_beds instanceof List ? element_beds : [element_beds]].transpose().collect { name, bed -> "${name}=${bed}" }.join(' ') : ''
    def tad_profile = tads ? "--tads ${tads}" : ''
    """
    hiclstm-attribute \\
        ${model} \\
        --merge ${parts} \\
        ${elements} \\
        ${tad_profile} \\
        -o ${prefix} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-attribute --version | sed 's/^hiclstm-attribute //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.attributions.parquet ${prefix}.attributions.bedGraph ${prefix}.attributions.z.bedGraph ${prefix}.attributions.bw ${prefix}.attributions.z.bw
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-attribute --version | sed 's/^hiclstm-attribute //')
    END_VERSIONS
    """
}
