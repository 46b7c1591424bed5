process HICLSTM_PREDICT {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    tuple val(meta), path(model), path(contacts), path(bins)

    output:
    tuple val(meta), path("${prefix}.predictions.parquet")             , emit: predictions
    // With --cooler (params.cooler): the predicted and observed maps as .cool or .mcool.
    tuple val(meta), path("${prefix}.*.{cool,mcool}"), optional: true, emit: maps
    path "versions.yml"                                                , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    hiclstm-predict \\
        ${model} \\
        --contacts ${contacts} \\
        -o ${prefix}.predictions.parquet \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-predict --version | sed 's/^hiclstm-predict //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.predictions.parquet
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-predict --version | sed 's/^hiclstm-predict //')
    END_VERSIONS
    """
}
